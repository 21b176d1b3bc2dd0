/*
 * seal_attack_x32: attacks sealed pages through the x32 ABI, the x86_64
 * syscall instruction with bit 30 set in the number (nr | 0x40000000),
 * which a seccomp filter sees as AUDIT_ARCH_X86_64 with a different
 * number. The memory-management calls are "common" in the kernel's
 * syscall_64.tbl, so their x32 numbers are the 64-bit ones with that bit.
 * Kernels built without CONFIG_X86_X32_ABI answer ENOSYS: the program then
 * prints SKIP and exits 77. Usage, output and exit status:
 * tests/programs/seal_attack.h.
 *
 * Example (a kernel without x32):
 *   $ seal_attack_x32 sealed
 *   SKIP getpid through the x32 ABI (...) returns ENOSYS: ...
 */
#include "seal_attack.h"

#define X32_SYSCALL_BIT 0x40000000L

#if defined(__x86_64__)
static long x32_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
    long ret;
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = a5;
    register long r9 __asm__("r9") = a6;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr | X32_SYSCALL_BIT), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

static const struct seal_attack_entry entry = {
    .description = "x32 ABI (syscall instruction, nr | 0x40000000)",
    .needs_low_addresses = 1, /* x32 pointers are 32 bits */
    .nr_getpid = 39,
    .nr_mprotect = 10,
    .nr_munmap = 11,
    .nr_mremap = 25,
    .nr_mmap = 9,
    .nr_madvise = 28,
    .nr_pkey_mprotect = 329,
    .issue = x32_syscall,
    .unavailable_reason = NULL,
};
#else
static const struct seal_attack_entry entry = {
    .description = "x32 ABI (syscall instruction, nr | 0x40000000)",
    .unavailable_reason = "the x32 ABI exists only on x86_64; this is not an x86_64 build",
};
#endif

int main(int argc, char **argv) { return seal_attack_main(argc, argv, &entry); }
