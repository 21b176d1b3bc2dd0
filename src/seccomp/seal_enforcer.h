// Enforces seals with seccomp filters, on any kernel: the engine behind the
// seccomp backend, sealkit_pin() and sealkit_seal_strict().
//
// Each call that adds something installs one more filter on every thread
// (TSYNC), compiled from what is new in this call only; filters are
// permanent, inherited by fork and, like every seccomp filter, kept across
// execve, where the first filter's seals end as the kernel's do
// (exec_guard.h) and later filters' do not (docs/seccomp-backend.md). What is
// already enforced adds nothing, so sealing twice is free.
//
//   address_range ranges[] = {{start, end}};
//   long result = enforce(ranges, 1, kRefuseReprotect | kRefuseUnmap | kRefuseDiscardIfAnonymousReadOnly);
//
// Threat model and what each bit refuses: seal_filter_compiler.h.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "seccomp/seal_filter_compiler.h"

namespace sealkit::seccomp {

enum enforcement : unsigned {
    kRefuseReprotect = 1u << 0,  // mprotect, pkey_mprotect
    kRefuseUnmap = 1u << 1,      // munmap, MAP_FIXED, mremap, remap_file_pages, SHM_REMAP, shmdt
    // Discard madvise refused where the memory is anonymous, private and
    // not writable at the time of the call to enforce(), as the kernel's
    // mseal does (protection cannot change afterwards, so that stays true).
    kRefuseDiscardIfAnonymousReadOnly = 1u << 2,
    kRefuseDiscard = 1u << 3,  // discard madvise refused whatever the memory (OpenBSD's rule)
};
inline constexpr unsigned kSealEnforcement = kRefuseReprotect | kRefuseUnmap | kRefuseDiscardIfAnonymousReadOnly;

// Enforces `what` on every range (page aligned, non-empty, not wrapping).
// 0, or -errno: -ENOMEM when a page is unmapped (nothing done) or the
// filter chain is full, -ENOSYS/-EACCES when seccomp filtering is not
// available, -EPERM when a filter could not be installed on every thread.
long enforce(const address_range *ranges, size_t count, unsigned what);

// 1 when every page of [start, end) has every bit of `what` enforced, 0 otherwise.
int is_enforced(uint64_t start, uint64_t end, unsigned what);

// Whether this process can install seccomp filters; when it cannot, *why
// (a sentence) says what is missing.
bool filters_available(const char **why);

// How many filters enforce() has installed, and their instructions in all.
struct enforcement_statistics {
    size_t filters;
    size_t instructions;
    size_t reprotect_ranges, unmap_ranges, discard_ranges;
};
enforcement_statistics statistics();

// Whether this image's first filter is exec-aware (exec_guard.h): the
// guard runs (its pid), or why not (nullptr before the first filter).
struct exec_guard_state {
    bool running;
    long pid;
    const char *problem;
};
exec_guard_state exec_guard();

}  // namespace sealkit::seccomp
