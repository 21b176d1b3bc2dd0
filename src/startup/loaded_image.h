// What startup sealing knows about one object the dynamic loader mapped,
// read from its program headers in memory (dl_iterate_phdr), never from
// the file on disk, which may have been replaced since it was loaded.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace sealkit::startup {

// Program header types glibc's elf.h does not (yet) name.
inline constexpr uint32_t kPtGnuMutable = 0x6474f555;
inline constexpr uint32_t kPtOpenbsdMutable = 0x65a3dbe5;
inline constexpr uint32_t kGnuPropertyMemorySeal = 3;
// The note that announces an object's sealkit_protected section.
inline constexpr uint32_t kProtectedNoteType = 0x53504d31;

struct address_range {
    uintptr_t start = 0;
    uintptr_t end = 0;
    size_t length() const { return end - start; }
    bool empty() const { return end <= start; }
};

inline constexpr int kMaxMutableRanges = 8;

struct loaded_image {
    const char *name = "";         // dlpi_name, or the executable's path
    const void *identity = nullptr;// dlpi_phdr: unique per loaded object
    uintptr_t bias = 0;            // dlpi_addr
    address_range span;            // page-rounded [first PT_LOAD, end of last segment's memory)
    address_range relro;           // page-aligned RELRO as glibc protects it (may be empty)
    address_range mutable_ranges[kMaxMutableRanges];  // page-rounded outwards
    int mutable_count = 0;
    bool too_many_mutable = false; // more than kMaxMutableRanges: the object is not sealed
    // The object's sealkit_protected section (protected_memory.h): left
    // unsealed at start-up, because writer scopes change its protection
    // until sealkit_freeze_protected_data() seals it.
    address_range protected_data;
    unsigned segment_kinds = 0;    // enum sealkit_segment_kind bits
    bool is_main_program = false;
    bool is_vdso = false;
    bool marked_for_sealing = false;  // carries GNU_PROPERTY_MEMORY_SEAL
    bool flagged_nodelete = false;    // DT_FLAGS_1 has DF_1_NODELETE

    // The dynamic section in memory, for the DT_NEEDED walk (may be null).
    const void *dynamic = nullptr;
    const char *strings = nullptr;  // DT_STRTAB, relocated
    size_t strings_size = 0;        // DT_STRSZ
    const char *soname = "";        // DT_SONAME, or ""
};

// The last component of a path ("libc.so.6" of "/lib/x86_64-linux-gnu/libc.so.6").
inline const char *file_name_of(const char *path) {
    const char *slash = __builtin_strrchr(path, '/');
    return slash ? slash + 1 : path;
}

// The string at offset in image's string table, or null when out of range.
const char *dynamic_string(const loaded_image &image, uint64_t offset);

// A growable list of images (malloc-backed: startup sealing runs inside
// arbitrary C programs and must not need libstdc++). It may start in
// storage the caller lends (items, capacity, items_on_heap = false) and
// moves to the heap only when that is full: a process's first malloc costs
// system calls and page faults, which the preload saves at start-up.
struct image_list {
    loaded_image *items = nullptr;
    size_t count = 0;
    size_t capacity = 0;
    bool items_on_heap = true;
};

// Every object currently loaded, in the loader's order. 0 or -ENOMEM.
long enumerate_loaded_images(image_list &list);
void release(image_list &list);

}  // namespace sealkit::startup
