#include "system/syscalls.h"

#include <errno.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <time.h>
#include <unistd.h>

namespace sealkit::sys {
namespace {

// Runs a libc call that reports through errno and turns its result into
// 0 or -errno, restoring the caller's errno.
template <typename Call>
long without_errno(Call call) {
    int saved = errno;
    long result = call();
    long answer = result == -1 ? -errno : result;
    errno = saved;
    return answer;
}

}  // namespace

size_t page_size() {
    static size_t cached = 0;
    size_t size = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (size == 0) {
        size = getauxval(AT_PAGESZ);
        if (size == 0) size = 4096;
        __atomic_store_n(&cached, size, __ATOMIC_RELAXED);
    }
    return size;
}

long seal_range(uintptr_t addr, size_t len, unsigned long flags) {
    return without_errno([&] { return syscall(kMsealSyscallNumber, addr, len, flags); });
}

long probe_seal_support() { return seal_range(0, 0, 0); }

long protect(uintptr_t addr, size_t len, int prot) {
    return without_errno([&] { return static_cast<long>(mprotect(reinterpret_cast<void *>(addr), len, prot)); });
}

long unmap(uintptr_t addr, size_t len) {
    return without_errno([&] { return static_cast<long>(munmap(reinterpret_cast<void *>(addr), len)); });
}

uintptr_t map_anonymous(size_t len, int prot) {
    int saved = errno;
    void *p = mmap(nullptr, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uintptr_t answer = p == MAP_FAILED ? static_cast<uintptr_t>(-static_cast<long>(errno))
                                       : reinterpret_cast<uintptr_t>(p);
    errno = saved;
    return answer;
}

long check_fully_mapped(uintptr_t addr, size_t len) {
    return without_errno([&] { return static_cast<long>(msync(reinterpret_cast<void *>(addr), len, MS_ASYNC)); });
}

long move_mapping(uintptr_t from, size_t length, uintptr_t to) {
    int saved = errno;
    void *moved = mremap(reinterpret_cast<void *>(from), length, length, MREMAP_MAYMOVE | MREMAP_FIXED,
                         reinterpret_cast<void *>(to));
    long answer = moved == MAP_FAILED ? -errno : 0;
    errno = saved;
    return answer;
}

long name_anonymous(uintptr_t addr, size_t length, const char *name) {
#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif
    return without_errno([&] { return static_cast<long>(prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, addr, length, name)); });
}

long long monotonic_nanoseconds() {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<long long>(now.tv_sec) * 1000000000LL + now.tv_nsec;
}

#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65
#define PR_GET_MDWE 66
#define PR_MDWE_REFUSE_EXEC_GAIN 1
#endif

long deny_write_execute() {
    return without_errno([] { return static_cast<long>(prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0L, 0L, 0L)); });
}

long forbid_new_privileges() {
    return without_errno([] { return static_cast<long>(prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L)); });
}

long install_seccomp_filter_all_threads(const sock_fprog *program) {
    return without_errno(
        [&] { return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, program); });
}

long seccomp_action_available(uint32_t action) {
    return without_errno([&] { return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action); });
}

long seccomp_mode() {
    return without_errno([] { return static_cast<long>(prctl(PR_GET_SECCOMP, 0L, 0L, 0L, 0L)); });
}

long lock_in_memory(uintptr_t addr, size_t len) {
    return without_errno([&] { return static_cast<long>(mlock(reinterpret_cast<void *>(addr), len)); });
}

long advise(uintptr_t addr, size_t len, int advice) {
    return without_errno([&] { return static_cast<long>(madvise(reinterpret_cast<void *>(addr), len, advice)); });
}

}  // namespace sealkit::sys
