// Every system call that can unmap, move, replace, re-protect or discard a
// mapping: the one table the seccomp backend compiles its policy from.
//
// A deny-list is only as good as its completeness (Matthew Wilcox's
// "seccomp disease" objection to the first mseal design), so this table is
// checked, not trusted: tests/unit/mapping_syscalls_test.cpp derives the
// candidates from the running kernel's own syscall table and from a
// checked-in list per kernel version, and fails when a syscall that changes
// mappings is missing here. Syscall numbers above the highest this table
// was reviewed against are refused with ENOSYS by the backend: a kernel new
// enough to have them might have a new way to change a mapping.
//
// Numbers are for the two entry points a 64-bit x86 process has into the
// kernel: the syscall instruction (x86_64, also reached with the x32 bit
// set) and int 0x80 (i386 numbers, 32-bit arguments).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace sealkit::seccomp {

// What a syscall can do to a mapping, which decides the arguments the
// filter looks at.
enum class mapping_effect : uint8_t {
    reprotect,         // mprotect(addr, len, prot), pkey_mprotect(addr, len, prot, pkey)
    unmap,             // munmap(addr, len)
    map,               // mmap(addr, len, prot, flags, fd, off): replaces with MAP_FIXED, not MAP_FIXED_NOREPLACE
    map_indirect,      // i386 old_mmap(struct *): its arguments are in memory, out of BPF's sight
    remap,             // mremap(old, old_len, new_len, flags, new_addr)
    remap_file_pages,  // remap_file_pages(start, size, prot, pgoff, flags)
    advise,            // madvise(addr, len, advice): the discard advice
    advise_process,    // process_madvise(pidfd, iovec, vlen, advice, flags): ranges in memory
    shm_attach,        // shmat(id, addr, flags): SHM_REMAP replaces
    shm_detach,        // shmdt(addr)
    ipc_multiplexer,   // i386 ipc(call, first, second, third, ptr, fifth): SHMAT and SHMDT
    heap_break,        // brk(addr): shrinking unmaps the top of the heap
    seal,              // mseal(addr, len, flags): emulated for unmodified programs
    io_uring_setup,    // io_uring runs madvise without passing through seccomp
};

struct mapping_syscall {
    const char *name;
    int x86_64_number;  // -1 where the ABI has no such syscall
    int i386_number;    // -1 where the ABI has no such syscall
    mapping_effect effect;
    const char *kernel_source;  // where the kernel defines it
};

extern const mapping_syscall kMappingSyscalls[];
extern const size_t kMappingSyscallCount;

// The highest syscall number of each ABI that the table was reviewed
// against (Linux 6.18: 469, file_setattr). Anything above is refused.
inline constexpr int kHighestReviewedX86_64 = 469;
inline constexpr int kHighestReviewedI386 = 469;
inline constexpr char kReviewedKernel[] = "6.18";

// x86 ABI details the filter needs.
inline constexpr uint32_t kX32SyscallBit = 0x40000000;
inline constexpr int kI386IpcShmat = 21;
inline constexpr int kI386IpcShmdt = 22;

}  // namespace sealkit::seccomp
