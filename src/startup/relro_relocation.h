// Moves an object's RELRO range into anonymous memory before it is sealed.
//
// Why: the kernel refuses MADV_DONTNEED on sealed read-only *anonymous*
// memory but allows it on a sealed read-only private *file* mapping, where
// it drops the relocated copy-on-write pages and the next read sees the
// unrelocated bytes on disk. RELRO (the GOT, vtables, .data.rel.ro) is such
// a mapping, so an attacker with an madvise primitive could revert it.
// Copying the pages into anonymous memory and moving that copy over the
// original (one mremap, so no thread ever sees the range unmapped) closes
// the gap.
//
// Cost: page-table updates dominate (on virtualised machines each one can
// cost tens of microseconds), so the copy is made read-only from the start
// and filled through /proc/self/mem, which installs each page once, already
// read-only, instead of faulting it in writable and then write-protecting
// it. Where the kernel refuses such writes (proc_mem.force_override=never)
// or /proc is missing, it falls back to copy-then-mprotect.
#pragma once

#include "startup/loaded_image.h"

namespace sealkit::startup {

class relro_mover {
public:
    relro_mover();
    ~relro_mover();
    relro_mover(const relro_mover &) = delete;
    relro_mover &operator=(const relro_mover &) = delete;

    // 0 when image.relro now lives in read-only anonymous memory (or the
    // image has no RELRO), else -errno with the original mapping untouched.
    long move_to_anonymous(const loaded_image &image);

private:
    long fill_read_only_copy(uintptr_t copy, uintptr_t source, size_t length);
    void label(const loaded_image &image);

    int self_memory_ = -1;     // /proc/self/mem, or -1 once it failed
    bool tried_self_memory_ = false;
    bool can_label_ = true;    // false once the kernel refused to name a VMA
};

}  // namespace sealkit::startup
