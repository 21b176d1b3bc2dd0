// Reads the dynamic section (the PT_DYNAMIC segment) of an ELF file from raw
// bytes, and answers what the loader will do with the flags in it: bind
// every symbol at start-up (BIND_NOW), write into code (TEXTREL), treat the
// object as a position-independent executable (DF_1_PIE).
//
// The bytes are the segment as stored in the file (p_filesz bytes from
// p_offset) and are not trusted: entries are decoded one at a time inside
// the buffer, in the file's class and byte order, and the table ends at
// DT_NULL or at the end of the bytes, whichever comes first. libc-only, no
// allocation: a dynamic_table is a view valid as long as the buffer.
//
//     dynamic_table table(bytes, size, header.is_64_bit, header.big_endian);
//     dynamic_flags flags = summarize(table);
//     if (flags.binds_now()) ...
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace sealkit::elf {

struct dynamic_entry {
    int64_t tag = 0;     // DT_NEEDED, DT_FLAGS, ... (Elf32 tags are sign-extended)
    uint64_t value = 0;  // d_val or d_ptr, zero-extended
};

class dynamic_table {
public:
    dynamic_table() = default;
    dynamic_table(const void *bytes, size_t size, bool is_64_bit, bool big_endian);

    // Entries before DT_NULL (all whole entries when there is none).
    size_t count() const { return count_; }
    // Whether a DT_NULL ends the table inside the bytes.
    bool terminated() const { return terminated_; }
    // Decodes entry index; false when index >= count().
    bool get(size_t index, dynamic_entry *out) const;

private:
    const unsigned char *first_ = nullptr;
    size_t count_ = 0;
    size_t entry_size_ = 0;
    bool is_64_bit_ = false;
    bool big_endian_ = false;
    bool terminated_ = false;
};

// The loader-relevant flags of a dynamic section, each as written.
struct dynamic_flags {
    bool bind_now_tag = false;  // DT_BIND_NOW present
    bool textrel_tag = false;   // DT_TEXTREL present
    bool has_flags = false;     // DT_FLAGS present
    uint64_t flags = 0;         // DT_FLAGS: DF_BIND_NOW, DF_TEXTREL, ...
    bool has_flags_1 = false;   // DT_FLAGS_1 present
    uint64_t flags_1 = 0;       // DT_FLAGS_1: DF_1_NOW, DF_1_PIE, ...
    size_t needed = 0;          // DT_NEEDED entries
    bool has_soname = false;    // DT_SONAME present

    // Any of DT_BIND_NOW, DF_BIND_NOW, DF_1_NOW: glibc resolves every
    // symbol before the program starts, so RELRO can cover the whole GOT.
    bool binds_now() const;
    // DT_TEXTREL or DF_TEXTREL: relocations write into read-only segments.
    bool has_text_relocations() const;
    // DF_1_PIE: the linker made a position-independent executable.
    bool marked_pie() const;
};

dynamic_flags summarize(const dynamic_table &table);

}  // namespace sealkit::elf
