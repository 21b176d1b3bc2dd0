#include "startup/elf_notes.h"

#include <string.h>

namespace sealkit::startup {

void for_each_note(const unsigned char *notes, size_t size, size_t alignment, note_visitor visit, void *context) {
    // PT_NOTE segments with alignment 8 (every PT_GNU_PROPERTY on 64-bit)
    // pad the descriptor and the next note to 8 bytes, measured from the
    // segment's start; alignment 4 (or less) pads to 4.
    const size_t pad = alignment == 8 ? 8 : 4;
    auto align = [pad](size_t value) { return (value + pad - 1) & ~(pad - 1); };
    size_t at = 0;
    while (at < size && size - at >= 12) {
        uint32_t header[3];
        memcpy(header, notes + at, sizeof header);
        elf_note note{reinterpret_cast<const char *>(notes + at + 12), header[0], header[2], nullptr, header[1]};
        if (note.name_size > size - at - 12) return;
        size_t descriptor_at = align(at + 12 + note.name_size);
        if (descriptor_at > size || note.descriptor_size > size - descriptor_at) return;
        note.descriptor = notes + descriptor_at;
        if (!visit(note, context)) return;
        size_t next = align(descriptor_at + note.descriptor_size);
        if (next <= at) return;
        at = next;
    }
}

bool note_named(const elf_note &note, const char *name) {
    size_t length = strlen(name) + 1;
    return note.name_size == length && memcmp(note.name, name, length) == 0;
}

}  // namespace sealkit::startup
