#include "inspect/object_layout.h"

#include <elf.h>

namespace sealkit::inspect {
namespace {

uint64_t page_down(uint64_t value, uint64_t page) { return value & ~(page - 1); }

// False when rounding up would wrap: such a segment cannot be real.
bool page_up(uint64_t value, uint64_t page, uint64_t *rounded) {
    if (value > UINT64_MAX - (page - 1)) return false;
    *rounded = (value + page - 1) & ~(page - 1);
    return true;
}

image_part part_of_load(uint32_t flags) {
    // A segment that is both writable and executable holds code: call it
    // text, the part whose sealing matters most.
    if (flags & PF_X) return image_part::text;
    if (flags & PF_W) return image_part::data;
    return image_part::rodata;
}

}  // namespace

const char *part_name(image_part part) {
    switch (part) {
    case image_part::text: return "text";
    case image_part::rodata: return "rodata";
    case image_part::relro: return "relro";
    case image_part::data: return "data";
    case image_part::other: return "other";
    }
    return "other";
}

std::optional<object_layout> object_layout::from_program_headers(const elf::program_header_table &table,
                                                                 uint64_t anchor_file_offset,
                                                                 uintptr_t anchor_start, size_t page_size) {
    const uint64_t page = page_size;
    // Find where the object was loaded: the segment whose file pages include
    // the anchor mapping's offset was mapped at anchor_start.
    bool found_anchor = false;
    uint64_t bias = 0;  // runtime address minus p_vaddr, modulo 2^64
    elf::program_header ph;
    for (size_t i = 0; i < table.count() && !found_anchor; ++i) {
        if (!table.get(i, &ph) || ph.type != PT_LOAD || ph.memsz == 0) continue;
        if (ph.offset > UINT64_MAX - ph.filesz) continue;
        uint64_t file_start = page_down(ph.offset, page);
        uint64_t file_end = ph.offset + ph.filesz;
        if (anchor_file_offset < file_start || anchor_file_offset >= file_end) continue;
        uint64_t anchor_vaddr = page_down(ph.vaddr, page) + (anchor_file_offset - file_start);
        bias = static_cast<uint64_t>(anchor_start) - anchor_vaddr;
        found_anchor = true;
    }
    if (!found_anchor) return std::nullopt;

    object_layout layout;
    bool have_span = false;
    for (size_t i = 0; i < table.count(); ++i) {
        if (!table.get(i, &ph) || ph.memsz == 0) continue;
        if (ph.type != PT_LOAD && ph.type != PT_GNU_RELRO) continue;
        if (ph.vaddr > UINT64_MAX - ph.memsz) continue;
        uint64_t start = page_down(ph.vaddr, page);
        uint64_t end;
        if (ph.type == PT_LOAD) {
            if (!page_up(ph.vaddr + ph.memsz, page, &end)) continue;
        } else {
            // The loader protects RELRO rounded down at both ends.
            end = page_down(ph.vaddr + ph.memsz, page);
        }
        uint64_t runtime_start = start + bias;
        uint64_t runtime_end = end + bias;
        if (runtime_end <= runtime_start || runtime_end > UINTPTR_MAX) continue;  // wrapped or empty
        range r{static_cast<uintptr_t>(runtime_start), static_cast<uintptr_t>(runtime_end), image_part::relro};
        if (ph.type == PT_GNU_RELRO) {
            if (!layout.relro_) layout.relro_ = r;  // only the first counts, as for the loader
            continue;
        }
        r.part = part_of_load(ph.flags);
        layout.segments_.push_back(r);
        if (!have_span || r.start < layout.span_start_) layout.span_start_ = r.start;
        if (!have_span || r.end > layout.span_end_) layout.span_end_ = r.end;
        have_span = true;
    }
    if (layout.segments_.empty()) return std::nullopt;
    return layout;
}

image_part object_layout::part_at(uintptr_t address, uintptr_t *part_end) const {
    if (relro_ && address >= relro_->start && address < relro_->end) {
        *part_end = relro_->end;
        return image_part::relro;
    }
    for (const range &segment : segments_) {
        if (address < segment.start || address >= segment.end) continue;
        uintptr_t end = segment.end;
        if (relro_ && relro_->start > address && relro_->start < end) end = relro_->start;
        *part_end = end;
        return segment.part;
    }
    // Not in any segment: "other" up to the next place something starts.
    uintptr_t next = UINTPTR_MAX;
    for (const range &segment : segments_)
        if (segment.start > address && segment.start < next) next = segment.start;
    if (relro_ && relro_->start > address && relro_->start < next) next = relro_->start;
    *part_end = next;
    return image_part::other;
}

void object_layout::add_mapping(uintptr_t start, uintptr_t end, bool sealed, part_totals &totals) const {
    uintptr_t at = start;
    while (at < end) {
        uintptr_t part_end;
        image_part part = part_at(at, &part_end);
        uintptr_t piece_end = part_end > at && part_end < end ? part_end : end;
        part_bytes &counted = totals[static_cast<size_t>(part)];
        counted.bytes += piece_end - at;
        if (sealed) counted.sealed_bytes += piece_end - at;
        at = piece_end;
    }
}

}  // namespace sealkit::inspect
