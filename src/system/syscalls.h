// The system layer: the only code in sealkit that talks to the kernel's
// memory-management interface. Every function wraps one call, says in its
// name what it does, and reports failure as a negative errno value (never
// through errno, which it leaves untouched), so callers can pass the
// kernel's answer on unchanged.
//
// Preconditions are the kernel's own; these functions check nothing
// themselves, so the kernel's validation order is what callers observe.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <unistd.h>

struct sock_fprog;

namespace sealkit::sys {

// x86_64, i386, arm64 and the generic syscall table all use 462.
inline constexpr long kMsealSyscallNumber = 462;

// The page size, read once from the auxiliary vector.
size_t page_size();

// mseal(addr, len, flags). 0 or -errno.
long seal_range(uintptr_t addr, size_t len, unsigned long flags);

// mseal(addr, len, flags) reporting as libc does: 0, or -1 with errno set.
// Inline, so the C API's kernel path adds no call frame to the system call
// (each frame kept across a syscall costs tens of nanoseconds on kernels
// that fill the return stack buffer on every kernel exit).
inline int seal_range_setting_errno(void *addr, size_t len, unsigned long flags) {
#if defined(__x86_64__)
    // The syscall instruction itself, as libc's syscall() issues it.
    long result;
    __asm__ volatile("syscall"
                     : "=a"(result)
                     : "0"(kMsealSyscallNumber), "D"(addr), "S"(len), "d"(flags)
                     : "rcx", "r11", "memory");
    if (__builtin_expect(result < 0 && result > -4096, 0)) {
        errno = static_cast<int>(-result);
        return -1;
    }
    return static_cast<int>(result);
#else
    return static_cast<int>(::syscall(kMsealSyscallNumber, addr, len, flags));
#endif
}

// Whether this kernel has mseal: the free probe mseal(NULL, 0, 0) == 0.
// Returns 0 when it does, or the -errno the probe returned (-ENOSYS).
//
// Safe under a seccomp filter inherited across exec from a program sealed
// by sealkit's seccomp backend: that filter traps (SIGSYS) mseal calls made
// from the sealed program's code addresses, and the program exec'd after
// it may sit at the same addresses (ASLR off, as under gdb or setarch -R;
// or the same non-PIE binary). Where a filter runs and nothing handles
// SIGSYS, the probe catches such a trap instead of dying of it, answers
// -ENOSYS, and seal_calls_trapped_here() then says so. A SIGSYS handler
// already installed (this process's own mseal emulation) gets the trap as
// before. Costs one prctl when no filter runs.
long probe_seal_support();

// Whether a probe found mseal trapped by an inherited filter (see above):
// seals made here would be seccomp filters at addresses the programs this
// one runs may need, so nothing should be sealed here.
bool seal_calls_trapped_here();

// mprotect(addr, len, prot). 0 or -errno.
long protect(uintptr_t addr, size_t len, int prot);

// munmap(addr, len). 0 or -errno.
long unmap(uintptr_t addr, size_t len);

// A fresh private anonymous mapping of len bytes with protection prot.
// The address, or -errno cast to uintptr_t (test with is_error()).
uintptr_t map_anonymous(size_t len, int prot);
inline bool is_error(uintptr_t result) { return result > UINTPTR_MAX - 4096; }
inline long error_of(uintptr_t result) { return static_cast<long>(result); }

// 0 when every page of [addr, addr + len) is mapped, -ENOMEM when one is
// not. addr must be page aligned. Costs one system call: msync with
// MS_ASYNC writes nothing back but walks the range and reports holes.
long check_fully_mapped(uintptr_t addr, size_t len);

// Moves the mapping at from (length bytes) onto to, replacing whatever was
// mapped there, in one step (mremap MREMAP_MAYMOVE|MREMAP_FIXED): other
// threads never see the destination unmapped. 0 or -errno.
long move_mapping(uintptr_t from, size_t length, uintptr_t to);

// Names anonymous memory "[anon:name]" in /proc/PID/maps (Linux 5.17+ with
// CONFIG_ANON_VMA_NAME). 0 or -errno; callers treat failure as cosmetic.
long name_anonymous(uintptr_t addr, size_t length, const char *name);

// prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN): the kernel refuses
// write-execute memory from now on, for good (Linux 6.3+). 0 or -errno
// (-EINVAL: the kernel has no MDWE).
long deny_write_execute();

// prctl(PR_SET_NO_NEW_PRIVS, 1): needed to install a seccomp filter
// without CAP_SYS_ADMIN. 0 or -errno.
long forbid_new_privileges();

// Installs a seccomp filter on every thread of the process (TSYNC).
// 0 or -errno (a positive result names a thread that could not sync).
long install_seccomp_filter_all_threads(const sock_fprog *program);

// seccomp(SECCOMP_GET_ACTION_AVAIL): 0 when the kernel knows the filter
// action (SECCOMP_RET_ERRNO, SECCOMP_RET_TRAP, ...), -EOPNOTSUPP when it
// does not, -EINVAL/-ENOSYS without seccomp filtering at all.
long seccomp_action_available(uint32_t action);

// prctl(PR_GET_SECCOMP): 0 (none), 1 (strict) or 2 (filter), or -errno.
long seccomp_mode();

// mlock(addr, len): the pages stay in memory. 0 or -errno.
long lock_in_memory(uintptr_t addr, size_t len);

// madvise(addr, len, advice). 0 or -errno.
long advise(uintptr_t addr, size_t len, int advice);

// CLOCK_MONOTONIC in nanoseconds.
long long monotonic_nanoseconds();

}  // namespace sealkit::sys
