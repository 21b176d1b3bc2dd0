// A forked child process that holds a number of sealed ranges under the
// seccomp backend and times system calls on request: how the seccomp
// benchmarks compare a process with N sealed ranges against one with no
// filter at all. Filters are permanent and inherited, so every
// configuration needs a process of its own, started before the parent
// installs anything (the parent never does).
//
//   seccomp_worker none, sealed;
//   none.start(0);                      // no filter
//   sealed.start(1000);                 // 1,000 disjoint sealed ranges
//   int64_t a = none.time(operation::getpid, 64);    // ns for 64 calls
//   int64_t b = sealed.time(operation::getpid, 64);
//
// Both sides are timed inside the child with CLOCK_MONOTONIC (the vDSO: no
// system call, no filter), so the pipe round trip is not in the figure.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

namespace sealkit::bench {

enum class operation : int {
    getpid,            // syscall(SYS_getpid): no memory argument, cached ALLOW
    mprotect_unsealed, // mprotect of an unsealed page to the protection it has
    map_unmap,         // mmap of one anonymous page (no address) and its munmap
    mprotect_between,  // mprotect of the unsealed page after the middle sealed
                       // range to the protection it has (PROT_READ)
};

class seccomp_worker {
public:
    // Forks the child; it maps stride * ranges pages, seals the first of
    // every `stride` with one call to seccomp::enforce() (ranges 0: no
    // filter) and waits for requests. Stride 2 (every other page) is the
    // packed layout, 64 the scattered one (no two ranges in a 32-page
    // block). False, with error() saying why, when that failed.
    bool start(size_t ranges, size_t stride = 2);
    // The same mapping with nothing sealed and no filter: the baseline of
    // mprotect_between, whose cost depends on the mapping's shape.
    bool start_unsealed(size_t ranges, size_t stride = 2);
    // The same with no sealed range but a one-instruction filter that allows
    // everything: what any seccomp filter at all costs a system call, the
    // floor under every figure of the backend.
    bool start_with_allow_all_filter();
    // The same with `count` filters that check nothing but run for every
    // call (they read an argument, so the action cache cannot skip them):
    // the kernel's own cost of a chain that long, the floor under a
    // sealkit chain of as many filters.
    bool start_with_empty_filters(size_t count);
    // Nanoseconds for `count` calls of `op` in the child, or -1 when a call
    // failed or the child is gone.
    int64_t time(operation op, int count);
    // Ends the child and waits for it.
    void stop();

    size_t ranges() const { return ranges_; }
    size_t stride() const { return stride_; }
    size_t filters() const { return filters_; }
    size_t instructions() const { return instructions_; }
    const char *error() const { return error_; }

private:
    pid_t pid_ = -1;
    int to_child_ = -1;
    int from_child_ = -1;
    size_t ranges_ = 0;
    size_t stride_ = 2;
    bool allow_all_ = false;
    bool seal_ = true;
    size_t empty_filters_ = 0;
    size_t filters_ = 0;
    size_t instructions_ = 0;
    char error_[160] = {};
};

}  // namespace sealkit::bench
