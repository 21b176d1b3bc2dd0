// One line of /proc/PID/maps, with the details /proc/PID/smaps adds.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace sealkit::procfs {

struct mapping {
    uintptr_t start = 0;  // first byte
    uintptr_t end = 0;    // one past the last byte
    int prot = 0;         // PROT_READ | PROT_WRITE | PROT_EXEC
    bool shared = false;  // 's' in the flags column (else 'p', private)
    uint64_t offset = 0;  // file offset of start
    unsigned dev_major = 0;
    unsigned dev_minor = 0;
    uint64_t inode = 0;

    // The path column exactly as the kernel printed it (the kernel escapes
    // a newline in a file name as "\012"), without a trailing " (deleted)",
    // empty for anonymous memory. Points into the parser's storage: valid
    // only while the visitor that received this mapping runs.
    const char *path = "";
    size_t path_length = 0;
    bool deleted = false;  // the file was unlinked: the kernel appended " (deleted)"

    // Only from smaps (has_details): sizes in KiB and the VmFlags line.
    bool has_details = false;
    bool has_vmflags = false;
    bool sealed = false;  // "sl" in VmFlags (mseal, Linux 6.10+, 64-bit)
    uint64_t size_kib = 0;
    uint64_t rss_kib = 0;
    uint64_t anonymous_kib = 0;

    size_t length() const { return end - start; }
    bool is_file_backed() const { return inode != 0; }
};

}  // namespace sealkit::procfs
