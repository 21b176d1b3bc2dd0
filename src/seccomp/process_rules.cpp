#include "seccomp/process_rules.h"

#include <errno.h>
#include <linux/audit.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "seccomp/mapping_syscalls.h"
#include "system/switch_variable.h"

namespace sealkit::seccomp {
namespace {

seal_emulator g_emulator = nullptr;
struct sigaction g_previous;
int g_enabled = 0;

int mseal_number() {
    for (size_t i = 0; i < kMappingSyscallCount; ++i)
        if (kMappingSyscalls[i].effect == mapping_effect::seal) return kMappingSyscalls[i].x86_64_number;
    return -1;
}

int break_number(bool i386) {
    for (size_t i = 0; i < kMappingSyscallCount; ++i)
        if (kMappingSyscalls[i].effect == mapping_effect::heap_break)
            return i386 ? kMappingSyscalls[i].i386_number : kMappingSyscalls[i].x86_64_number;
    return -1;
}

void on_sigsys(int signal, siginfo_t *info, void *context) {
#if defined(__x86_64__)
    const bool i386 = info->si_arch == AUDIT_ARCH_I386;
    if (info->si_code == 1 /* SYS_SECCOMP */ && (info->si_syscall & ~0x40000000) == break_number(i386)) {
        // brk below sealed heap pages (seal_filter_policy::trap_break_from):
        // the kernel would refuse to unmap them and return the current
        // break; brk(0) asks for it and is never trapped.
        const int saved_errno = errno;
        greg_t *registers = static_cast<ucontext_t *>(context)->uc_mcontext.gregs;
        registers[REG_RAX] = static_cast<greg_t>(syscall(SYS_brk, 0L));
        errno = saved_errno;
        return;
    }
    if (info->si_code == 1 /* SYS_SECCOMP */ && info->si_syscall == mseal_number() && g_emulator != nullptr) {
        const int saved_errno = errno;
        greg_t *registers = static_cast<ucontext_t *>(context)->uc_mcontext.gregs;
        uint64_t addr, len, flags;
        if (info->si_arch == AUDIT_ARCH_I386) {  // int 0x80: ebx, ecx, edx
            addr = static_cast<uint32_t>(registers[REG_RBX]);
            len = static_cast<uint32_t>(registers[REG_RCX]);
            flags = static_cast<uint32_t>(registers[REG_RDX]);
        } else {
            addr = static_cast<uint64_t>(registers[REG_RDI]);
            len = static_cast<uint64_t>(registers[REG_RSI]);
            flags = static_cast<uint64_t>(registers[REG_RDX]);
        }
        registers[REG_RAX] = static_cast<greg_t>(g_emulator(addr, len, flags));
        errno = saved_errno;
        return;
    }
#endif
    // Not ours: whoever handled SIGSYS before sealkit.
    if ((g_previous.sa_flags & SA_SIGINFO) && g_previous.sa_sigaction != nullptr) {
        g_previous.sa_sigaction(signal, info, context);
        return;
    }
    if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN && g_previous.sa_handler != nullptr) {
        g_previous.sa_handler(signal);
        return;
    }
    // The default action: end the process as SIGSYS would have.
    struct sigaction fallback;
    memset(&fallback, 0, sizeof fallback);
    fallback.sa_handler = SIG_DFL;
    sigaction(SIGSYS, &fallback, nullptr);
    raise(SIGSYS);
}

}  // namespace

void enable_seal_emulation(seal_emulator emulator) {
    if (__atomic_load_n(&g_enabled, __ATOMIC_ACQUIRE) != 0) return;
    // An unknown value keeps emulation on, as unset does (switch_variable.h).
    if (!sys::switch_is_on("SEALKIT_EMULATE_MSEAL", true, true)) return;
    g_emulator = emulator;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_sigsys;
    action.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGSYS, &action, &g_previous) != 0) return;
    __atomic_store_n(&g_enabled, 1, __ATOMIC_RELEASE);
}

bool seal_emulation_enabled() { return __atomic_load_n(&g_enabled, __ATOMIC_ACQUIRE) != 0; }

// An unknown value denies: the reader asked for something, and denying is
// the side that keeps seals whole.
bool io_uring_denied() { return sys::switch_is_on("SEALKIT_DENY_IO_URING", false, true); }

}  // namespace sealkit::seccomp
