// The exec guard process's life (see exec_guard.h for what it is for):
// detach, free the copy of the sealed program's memory it inherited, then
// answer each notification of the first seal filter until no task uses the
// filter any more. Runs in a raw fork of a possibly multi-threaded
// program, so it uses only async-signal-safe calls and never allocates.
#pragma once

#include <stddef.h>

#include "seccomp/image_marker.h"
#include "seccomp/seal_filter_compiler.h"

namespace sealkit::seccomp {

// The sealing image's requests over the socket, and the guard's answer.
inline constexpr char kReleaseRequest = 'R';  // close the listener; a newer one follows
inline constexpr char kReleased = 'K';

// What the sealing image hands the guard (in memory shared with it).
struct guard_start {
    static constexpr size_t kMaxRelease = 1000;
    int socket;  // the guard's end: the listener arrives here
    image_marker marker;
    long guard_pid;  // written by the middle child
    size_t release_count;
    address_range release[kMaxRelease];  // the guard discards these from its copy
};

[[noreturn]] void run_exec_guard(const guard_start &start);

// The guard's decision for a task: true when /proc/TID/maps shows the
// marker (or cannot be read: refuse rather than guess), false when the
// task has exec'd (or is gone). *heap_end, when given, receives the top of
// its heap (the program break rounded up to a page), 0 if unknown.
bool task_runs_sealing_image(long tid, image_marker marker, uint64_t *heap_end = nullptr);

// Whether a notification is for brk (x86_64 12, x32 12|0x40000000, i386 45):
// the guard answers a sealing image's brk with the current break, as the
// kernel does when the shrink would unmap sealed heap pages.
bool is_break_request(uint32_t arch, int nr);

}  // namespace sealkit::seccomp
