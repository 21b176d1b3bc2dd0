// Compiles sealed address ranges into a seccomp-BPF filter that refuses,
// with the kernel's errno, every system call that would change them.
//
// Threat model: an attacker who can make the process issue a
// memory-management system call with arguments of their choice, from any
// code in the process, through any entry point (the syscall instruction,
// the x32 bit, int 0x80). The filter sees only the syscall number, the
// architecture and the six arguments, never memory, so:
//   - each range check is a binary search compiled into the program (three
//     instructions per range and search, logarithmic depth), on the
//     page-rounded range [addr, addr + len) computed in 64-bit arithmetic
//     from 32-bit halves. The searches are shaped for what the kernel
//     counts against its 32,768-instruction chain limit, the program
//     converted to eBPF (bpf_program.h): one-target jumps that fall through
//     on false, constants below 2^31 (a 4 GiB window's upper half is
//     searched relative to 2^31), so a range costs about 6 converted
//     instructions (the unmap search is compiled twice: mremap's
//     destination, then everything else);
//   - two or more ranges inside one aligned 32-page (128 KiB) block are
//     one piece of that search holding a bitmap of the block's sealed
//     pages: about five converted instructions for up to 16 ranges, so
//     densely packed seals (an arena's pages, guard-page patterns) cost a
//     fraction of an instruction each and thousands fit in one filter;
//   - calls the kernel itself would reject for their arguments (unaligned
//     address, zero length, a range that wraps) are let through so the
//     kernel gives its own EINVAL/ENOMEM;
//   - where the ranges live in memory (process_madvise's iovec, i386
//     old_mmap) or the size is unknown (shmat's segment), the call is
//     refused whenever anything of the relevant kind is sealed: stricter
//     than the kernel, never weaker.
// Every other system call is allowed for any arguments, so the kernel's
// seccomp action cache lets it skip the filter altogether.
//
//   address_range sealed[] = {{0x7f0000000000, 0x7f0000004000}};
//   seal_filter_policy policy;
//   policy.reprotect = policy.unmap = {sealed, 1};
//   bpf_program program(storage);
//   if (!compile_seal_filter(policy, workspace, program)) ... too many ranges
//
// The syscalls and their numbers come from mapping_syscalls.h, the one
// table whose completeness a test checks against the kernel.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "seccomp/bpf_program.h"

namespace sealkit::seccomp {

// [start, end), page aligned, start < end.
struct address_range {
    uint64_t start;
    uint64_t end;
};

// Sorted by start, disjoint and not touching (adjacent ranges merged).
struct range_list {
    const address_range *ranges = nullptr;
    size_t count = 0;
};

struct seal_filter_policy {
    range_list reprotect;  // mprotect, pkey_mprotect refused
    // When set, mprotect and pkey_mprotect on `reprotect` are refused only
    // when they ask for more than PROT_READ (write, execute or any other
    // bit); PROT_READ and PROT_NONE go through, which can take access away
    // but never add it. For ranges at fixed addresses (a non-PIE
    // executable) in filters without the exec guard (seal_enforcer.cpp):
    // such filters outlive exec, and a program exec'd later at the same
    // address has its loader make its own RELRO read-only there.
    bool reprotect_only_adding_access = false;
    range_list unmap;      // munmap, MAP_FIXED, mremap, remap_file_pages, shmat/shmdt refused
    range_list discard;    // discard madvise and process_madvise refused
    // What a refused call gets: SECCOMP_RET_ERRNO | EPERM.
    uint32_t refusal = 0;
    // The rules that hold for the whole process and so go into its first
    // filter only:
    bool process_rules = false;  // refuse syscall numbers above the reviewed table (ENOSYS)
    // mseal -> SIGSYS for emulation (see process_rules.h), but only when
    // called from code in these ranges (this image's executable mappings):
    // a program exec'd later inherits the filter but not the handler, and
    // must get the kernel's own answer rather than a fatal SIGSYS.
    range_list trap_mseal_from;
    bool deny_io_uring = false;  // io_uring_setup -> EPERM
    // When set (two 64-bit words), the listener lock: seccomp(2) asking for
    // a new listener (SECCOMP_FILTER_FLAG_NEW_LISTENER) gets EBUSY, the
    // kernel's own answer while a listener exists, unless its fourth and
    // fifth arguments (which the kernel ignores) carry this token: the exec
    // guard's own move to a newer filter. Why: should the guard die, sealed
    // calls fail with ENOSYS, but the kernel would then accept a new
    // listener, and on a tie between filters asking for user notification
    // the newest filter's listener answers, so whoever installed it could
    // let a sealed call through. Compiled into the guarded filter itself
    // (it was a filter of its own: one more for every memory-management
    // call to run); a program exec'd later inherits it.
    const uint64_t *listener_lock_token = nullptr;
    // The top of the highest sealed page of the heap (0: none). brk(addr)
    // with 0 < addr and addr rounded up to a page below it would unmap
    // sealed heap pages: such a call gets the refusal, but only when the
    // refusal is SECCOMP_RET_USER_NOTIF, whose listener (the exec guard)
    // answers with the current break as the kernel does (an ERRNO value
    // would become the break in glibc's eyes), or see trap_break_from.
    uint64_t sealed_heap_top = 0;
    // Where the refusal is an ERRNO, brk below sealed_heap_top gets
    // SECCOMP_RET_TRAP instead when called from these ranges (this image's
    // executable mappings, whose SIGSYS handler answers with the current
    // break: process_rules.h), and the kernel's own answer otherwise.
    range_list trap_break_from;
    // Where mremap's MREMAP_FIXED destination is checked against `unmap`.
    // A filter checks it `here` with everything else, but that compiles the
    // unmap search twice (BPF only jumps forward: the destination's search,
    // then the source's). A batch too big for one filter is cheaper as
    // filters that leave it `elsewhere` (one search, twice the ranges per
    // filter) plus filters that check `only` it (the mremap dispatch and one
    // search: little overhead, and the kernel's action cache skips them for
    // every other call). Both kinds must be installed for the ranges to be
    // sealed; reprotect, discard and the process rules are ignored by `only`.
    enum class remap_destination : uint8_t { here, elsewhere, only };
    remap_destination destination = remap_destination::here;
};

// Scratch space for the compiler, mapped by the caller. Ranges are cut at
// 4 GiB boundaries so that the search compares 32-bit halves: a "piece"
// lies inside one window (address >> 32); a "run" covers whole windows.
struct compiler_workspace {
    static constexpr size_t kMaxPieces = 8192;
    struct piece {
        uint32_t first;  // low 32 bits of the first byte
        uint32_t last;   // low 32 bits of the last byte (inclusive)
        // 0 for one range. Otherwise a block: several ranges inside one
        // aligned 128 KiB (32 pages), first and last being the first and
        // last sealed byte, and bit i set when the block's page i is sealed.
        uint32_t pages;
    } pieces[kMaxPieces];
    struct group {  // consecutive pieces of one window
        uint32_t window;
        uint32_t first_piece;
        uint32_t count;
        uint16_t label;
    } groups[kMaxPieces];
    struct run {  // windows first..last, each covered whole
        uint32_t first_window;
        uint32_t last_window;
    } runs[kMaxPieces];
};

// Appends the filter to program (which must be empty) and finishes it.
// False when it does not fit in one filter (split the ranges and call
// again) or the policy is malformed.
bool compile_seal_filter(const seal_filter_policy &policy, compiler_workspace &workspace,
                         bpf_program &program);

// How many ranges one filter holds at least (about 600 scattered ones fit
// in 4,096 classic instructions; far more packed into blocks). The backend packs each filter of a batch with as many
// ranges as fit (seal_enforcer.cpp).
inline constexpr size_t kRangesPerFilter = 500;

}  // namespace sealkit::seccomp
