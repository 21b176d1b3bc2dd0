#include "inspect/process_report.h"

#include <elf.h>
#include <sys/mman.h>

#include <algorithm>

namespace sealkit::inspect {
namespace {

object_kind refined_kind(const memory_object &object, const std::optional<image_info> &image,
                         std::string_view executable) {
    if (object.kind != object_kind::file) return object.kind;
    if (!executable.empty() && object.name == executable) return object_kind::executable;
    if (image && (image->elf_type == ET_DYN || image->elf_type == ET_EXEC)) return object_kind::library;
    return object_kind::file;
}

// Whether the anonymous mapping m, a candidate .bss tail of m.tail_of,
// really belongs to that object.
bool is_bss_tail(const mapping_record &m, const std::optional<image_info> &image, uint32_t previous_owner,
                 bool previous_was_data) {
    // With headers the answer is exact: .bss starts inside the last PT_LOAD.
    if (image) return image->layout.holds(m.start);
    // Without them, accept only private memory right after the object's
    // private writable data (or after a tail already accepted): what the
    // loader leaves, and not what a data file's neighbour looks like.
    return previous_owner == m.tail_of && previous_was_data && !m.shared;
}

// Adds the bytes [start, end) of one mapping to a row (and to its parts
// when the row's object has a layout). The mapping itself is counted
// separately, once, in the row of the object it starts in.
void add_bytes(object_row &row, const std::optional<image_info> &image, uintptr_t start, uintptr_t end,
               bool sealed) {
    if (row.bytes == 0 || start < row.first_address) row.first_address = start;
    row.bytes += end - start;
    if (sealed) row.sealed_bytes += end - start;
    if (image) image->layout.add_mapping(start, end, sealed, row.parts);
}

}  // namespace

const char *state_name(seal_state state) {
    switch (state) {
    case seal_state::absent: return "absent";
    case seal_state::unsealed: return "unsealed";
    case seal_state::partly: return "partly";
    case seal_state::sealed: return "sealed";
    }
    return "absent";
}

seal_state state_of(const part_bytes &part) {
    if (part.bytes == 0) return seal_state::absent;
    if (part.sealed_bytes == 0) return seal_state::unsealed;
    if (part.sealed_bytes >= part.bytes) return seal_state::sealed;
    return seal_state::partly;
}

process_report summarize(const process_map &map, const std::vector<std::optional<image_info>> &images,
                         std::string_view executable) {
    static const std::optional<image_info> kNoImage;
    auto image_of = [&](uint32_t object) -> const std::optional<image_info> & {
        return object < images.size() ? images[object] : kNoImage;
    };

    process_report report;
    std::vector<object_row> rows(map.objects.size());
    for (size_t i = 0; i < map.objects.size(); ++i) {
        const std::optional<image_info> &image = image_of(static_cast<uint32_t>(i));
        rows[i].name = map.objects[i].name;
        rows[i].kind = refined_kind(map.objects[i], image, executable);
        rows[i].classified = image.has_value();
        rows[i].layout_origin = image ? image->origin : header_origin::none;
        // Mappings that were only counted (anonymous and kernel-named memory).
        const mapping_totals &unkept = map.objects[i].unkept;
        if (unkept.mappings > 0) {
            rows[i].first_address = unkept.first_address;
            rows[i].mappings = unkept.mappings;
            rows[i].sealed_mappings = unkept.sealed_mappings;
            rows[i].bytes = unkept.bytes;
            rows[i].sealed_bytes = unkept.sealed_bytes;
        }
    }
    report.mappings = map.mapping_count;
    report.sealed_mappings = map.sealed_mapping_count;
    report.file_backed_bytes = map.file_backed_bytes;
    report.sealed_file_backed_bytes = map.sealed_file_backed_bytes;

    // The mappings kept as records: a candidate .bss tail always directly
    // follows the kept mapping it is a candidate of.
    uint32_t previous_owner = kNoObject;
    bool previous_was_data = false;  // the previous mapping was private writable file data or an accepted tail
    for (const mapping_record &m : map.mappings) {
        uint32_t owner = m.object;
        bool tail = m.tail_of != kNoObject && is_bss_tail(m, image_of(m.tail_of), previous_owner, previous_was_data);
        if (tail) owner = m.tail_of;

        object_row &row = rows[owner];
        ++row.mappings;
        if (m.sealed) ++row.sealed_mappings;
        if (m.file_backed && (m.prot & PROT_EXEC) && !m.sealed) ++row.unsealed_executable_mappings;
        uintptr_t owned_end = m.end;
        if (tail && image_of(owner)) owned_end = std::min<uintptr_t>(m.end, image_of(owner)->layout.span_end());
        add_bytes(row, image_of(owner), m.start, owned_end, m.sealed);
        // Anonymous memory the kernel merged onto the end of a .bss tail
        // is not the object's: its bytes go back to the anonymous row.
        if (owned_end < m.end) add_bytes(rows[m.object], image_of(m.object), owned_end, m.end, m.sealed);

        previous_owner = owner;
        previous_was_data = tail || (m.file_backed && !m.shared && (m.prot & PROT_WRITE));
    }

    for (object_row &row : rows)
        if (row.mappings > 0 || row.bytes > 0) report.objects.push_back(std::move(row));
    std::stable_sort(report.objects.begin(), report.objects.end(),
                     [](const object_row &a, const object_row &b) { return a.first_address < b.first_address; });
    return report;
}

}  // namespace sealkit::inspect
