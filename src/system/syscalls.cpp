#include "system/syscalls.h"

#include <errno.h>
#include <signal.h>
#include <ucontext.h>
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

namespace {

// The probe's SIGSYS catcher and what it saw (see probe_seal_support).
struct sigaction g_before_probe;
volatile sig_atomic_t g_probe_trapped = 0;

void on_probe_sigsys(int signal, siginfo_t *info, void *context) {
    if (info->si_code == 1 /* SYS_SECCOMP */ && info->si_syscall == static_cast<int>(kMsealSyscallNumber)) {
        g_probe_trapped = 1;
        // The trapped call returns what the handler leaves in its result
        // register (the kernel rolled it back to the syscall number).
#if defined(__x86_64__)
        static_cast<ucontext_t *>(context)->uc_mcontext.gregs[REG_RAX] = -ENOSYS;
#endif
        return;
    }
    // Not the probe: what would have happened without the catcher.
    if ((g_before_probe.sa_flags & SA_SIGINFO) && g_before_probe.sa_sigaction != nullptr) {
        g_before_probe.sa_sigaction(signal, info, context);
        return;
    }
    struct sigaction fallback {};
    fallback.sa_handler = SIG_DFL;
    sigaction(SIGSYS, &fallback, nullptr);
    raise(SIGSYS);
}

}  // namespace

long probe_seal_support() {
#if !defined(__x86_64__)
    return seal_range(0, 0, 0);  // the catcher knows x86_64's result register only
#endif
    if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 2) return seal_range(0, 0, 0);
    struct sigaction catcher {};
    catcher.sa_sigaction = on_probe_sigsys;
    catcher.sa_flags = SA_SIGINFO;
    sigemptyset(&catcher.sa_mask);
    if (sigaction(SIGSYS, nullptr, &g_before_probe) != 0) return seal_range(0, 0, 0);
    // Someone handles SIGSYS already (this process's own mseal emulation,
    // process_rules.h): the trap, if any, is theirs to answer.
    if ((g_before_probe.sa_flags & SA_SIGINFO) ? g_before_probe.sa_sigaction != nullptr
                                               : g_before_probe.sa_handler != SIG_DFL)
        return seal_range(0, 0, 0);
    if (sigaction(SIGSYS, &catcher, nullptr) != 0) return seal_range(0, 0, 0);
    const long answer = seal_range(0, 0, 0);
    sigaction(SIGSYS, &g_before_probe, nullptr);
    return answer;
}

bool seal_calls_trapped_here() { return g_probe_trapped != 0; }

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
