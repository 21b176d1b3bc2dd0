// Finds GNU program properties in an ELF file's note segments, from raw
// bytes: above all GNU_PROPERTY_MEMORY_SEAL (pr_type 3), the opt-in mark of
// glibc's loader-sealing design (`ld -z memory-seal`; readelf -n prints
// "memory seal").
//
// Properties live in NT_GNU_PROPERTY_TYPE_0 notes named "GNU" (section
// .note.gnu.property), reached through PT_GNU_PROPERTY or a PT_NOTE
// segment. A note segment whose p_align is 8 pads each note's descriptor
// and the next note to 8 bytes, otherwise to 4; inside the descriptor each
// property (pr_type, pr_datasz, data) is padded to 8 bytes in 64-bit files
// and to 4 in 32-bit ones. Fields are in the file's byte order.
//
// Nothing in the bytes is trusted: every size is checked against what is
// left, and a malformed note ends the walk (and is reported). libc-only, no
// allocation.
//
//     gnu_property_facts facts;
//     scan_gnu_properties(notes, ph.filesz, ph.align, header.is_64_bit, header.big_endian, &facts);
//     if (facts.memory_seal) ...
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace sealkit::elf {

// Not in glibc's <elf.h>: the sealing series that defined it never merged.
inline constexpr uint32_t kGnuPropertyMemorySeal = 3;

struct gnu_property_facts {
    bool property_note = false;  // an NT_GNU_PROPERTY_TYPE_0 "GNU" note was seen
    bool memory_seal = false;    // GNU_PROPERTY_MEMORY_SEAL was among its properties
    bool malformed = false;      // a note or property overran its container
};

// Scans the notes in bytes[0, size) (a note segment's file contents) and
// adds what it finds to *facts (so several segments can be scanned into
// one result). alignment is the segment's p_align.
void scan_gnu_properties(const void *bytes, size_t size, uint64_t alignment, bool is_64_bit, bool big_endian,
                         gnu_property_facts *facts);

}  // namespace sealkit::elf
