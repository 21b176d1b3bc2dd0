// Where a loaded ELF object's text, read-only data, RELRO and writable data
// lie in a process, worked out from its program headers.
//
// The loader maps each PT_LOAD segment with whole pages, so a memory
// mapping of the object belongs to the segment whose page-rounded range
// holds it: executable segments are text, writable ones are data, the rest
// read-only data. After relocation the loader makes the pages of
// PT_GNU_RELRO read-only, rounding both ends *down* to a page (the last,
// partial page stays writable), and those pages are RELRO whatever segment
// they came from. Anything of the object outside every segment (PROT_NONE
// gaps the loader leaves between segments) is "other".
//
// Mapping the file offsets in /proc/PID/maps to segments does not work:
// the RELRO pages and the read-only data before them often come from the
// same file page. Addresses do: the mapping that holds file offset 0 tells
// where the object was loaded, and every segment is at a fixed distance
// from there.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <array>
#include <optional>
#include <vector>

#include "elf/program_headers.h"

namespace sealkit::inspect {

enum class image_part { text, rodata, relro, data, other };
inline constexpr size_t kImagePartCount = 5;

// "text", "rodata", "relro", "data", "other".
const char *part_name(image_part part);

// Bytes of one part, and how many of them are sealed.
struct part_bytes {
    uint64_t bytes = 0;
    uint64_t sealed_bytes = 0;
};
using part_totals = std::array<part_bytes, kImagePartCount>;

class object_layout {
public:
    // The layout of an object one of whose mappings (the anchor, normally
    // the one holding file offset 0) starts at anchor_start and maps the
    // file from anchor_file_offset. nullopt when no PT_LOAD holds that file
    // offset (so nothing tells where the object was loaded) or no segment is
    // usable. Segments whose addresses would overflow are ignored: the
    // headers may be hostile.
    static std::optional<object_layout> from_program_headers(const elf::program_header_table &table,
                                                             uint64_t anchor_file_offset,
                                                             uintptr_t anchor_start, size_t page_size);

    // The object's loaded span runs from its first segment's first page to
    // its last segment's last page. An anonymous mapping that starts inside
    // it is the object's .bss tail; one that starts at or after span_end()
    // is unrelated memory that happens to follow. (The kernel merges the
    // tail with anonymous memory mapped right after it, so a tail mapping
    // may run past span_end().)
    bool holds(uintptr_t address) const { return address >= span_start_ && address < span_end_; }
    uintptr_t span_end() const { return span_end_; }

    // Adds the bytes of the mapping [start, end) to the parts they belong
    // to, and to their sealed_bytes too when sealed.
    void add_mapping(uintptr_t start, uintptr_t end, bool sealed, part_totals &totals) const;

    // What the part at address is, and where that part ends (for splitting).
    image_part part_at(uintptr_t address, uintptr_t *part_end) const;

private:
    struct range {
        uintptr_t start;
        uintptr_t end;
        image_part part;
    };

    std::vector<range> segments_;  // page-rounded PT_LOADs, in header order
    std::optional<range> relro_;
    uintptr_t span_start_ = 0;
    uintptr_t span_end_ = 0;
};

}  // namespace sealkit::inspect
