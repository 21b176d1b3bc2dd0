// Moves the RELRO ranges of loaded objects into anonymous memory before
// they are sealed.
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
// Cost: page-table updates and system calls dominate (on virtualised
// machines a page fault or a TLB flush can cost ten microseconds), so all
// copies are made at once: one read-only anonymous mapping for every
// object's RELRO, filled with one pwritev through /proc/self/mem, which
// installs each page once, already read-only, instead of faulting it in
// writable and then write-protecting it. Each object then costs exactly one
// mremap. Where the kernel refuses such writes
// (proc_mem.force_override=never) or /proc is missing, it falls back to
// copy-then-mprotect.
//
//     relro_mover mover;
//     mover.copy_all(list, wanted);             // wanted[i]: move image i
//     for (i ...) if (wanted[i]) mover.move_to_anonymous(list.items[i]);
#pragma once

#include "startup/loaded_image.h"

namespace sealkit::startup {

class relro_mover {
public:
    relro_mover() = default;
    ~relro_mover();  // unmaps every copy that was not moved
    relro_mover(const relro_mover &) = delete;
    relro_mover &operator=(const relro_mover &) = delete;

    // Copies the RELRO of every image i with wanted[i] (and a non-empty
    // RELRO) into fresh read-only anonymous memory, in list order. 0 or
    // -errno; on failure nothing is copied and every move reports the error.
    long copy_all(const image_list &list, const bool *wanted);

    // 0 when image.relro now lives in read-only anonymous memory (or the
    // image has no RELRO), else -errno with the original mapping untouched.
    // image must be an element of the list given to copy_all, and images
    // must be moved in list order.
    long move_to_anonymous(const loaded_image &image);

private:
    void skip_to(size_t index);
    void label(const loaded_image &image);

    const image_list *list_ = nullptr;
    const bool *wanted_ = nullptr;
    long copy_error_ = 0;      // copy_all's failure, reported by every move
    uintptr_t copies_ = 0;     // the anonymous mapping holding every copy
    size_t next_ = 0;          // images before it are moved or released
    size_t next_offset_ = 0;   // where image next_'s copy starts in copies_
    bool can_label_ = true;    // false once the kernel refused to name a VMA
};

}  // namespace sealkit::startup
