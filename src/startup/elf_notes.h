// Walks the ELF notes of a loaded object's PT_NOTE segment in memory.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace sealkit::startup {

struct elf_note {
    const char *name;  // not NUL-terminated when name_size counts no NUL
    uint32_t name_size;
    uint32_t type;
    const unsigned char *descriptor;
    uint32_t descriptor_size;
};

// Calls visit for every well-formed note in [notes, notes + size), 4-byte
// aligned as PT_NOTE segments are (alignment 8 uses 8-byte padding). Stops
// at the first malformed header. visit returns false to stop.
using note_visitor = bool (*)(const elf_note &, void *context);
void for_each_note(const unsigned char *notes, size_t size, size_t alignment, note_visitor visit, void *context);

// Whether a note's name is exactly `name` (with its terminating NUL).
bool note_named(const elf_note &note, const char *name);

}  // namespace sealkit::startup
