/*
 * seal_attack_syscall_insn: attacks sealed pages with this program's own
 * x86_64 `syscall` instruction (inline assembly), never through libc's
 * wrappers, which a backend could otherwise be hooking. Usage, output and
 * exit status: tests/programs/seal_attack.h.
 *
 * Example:
 *   $ SEALKIT_BACKEND=kernel seal_attack_syscall_insn sealed
 *   ... mprotect refused EPERM intact ... summary 6 of 6 as expected
 */
#include "seal_attack.h"

#if defined(__x86_64__)
static long syscall_instruction(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
    long ret;
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = a5;
    register long r9 __asm__("r9") = a6;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

static const struct seal_attack_entry entry = {
    .description = "x86_64 syscall instruction",
    .needs_low_addresses = 0,
    .nr_getpid = 39,
    .nr_mprotect = 10,
    .nr_munmap = 11,
    .nr_mremap = 25,
    .nr_mmap = 9,
    .nr_madvise = 28,
    .nr_pkey_mprotect = 329,
    .issue = syscall_instruction,
    .unavailable_reason = NULL,
};
#else
static const struct seal_attack_entry entry = {
    .description = "x86_64 syscall instruction",
    .unavailable_reason = "this program attacks through the x86_64 syscall instruction; this is not an x86_64 build",
};
#endif

int main(int argc, char **argv) { return seal_attack_main(argc, argv, &entry); }
