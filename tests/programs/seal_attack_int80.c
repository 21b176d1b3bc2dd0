/*
 * seal_attack_int80: attacks sealed pages below 4 GiB with `int $0x80`
 * and i386 system call numbers (mprotect 125, munmap 91, mremap 163,
 * mmap2 192, madvise 219, pkey_mprotect 380) from this 64-bit process. The
 * kernel runs such calls through its compat (IA32) entry, which a seccomp
 * filter sees as AUDIT_ARCH_I386, with every argument cut to 32 bits: so
 * the targets are mapped with MAP_32BIT, and the program is built non-PIE
 * (tests/attacks/CMakeLists.txt) so that its own image lies below 4 GiB
 * too. Where the kernel has no IA32 emulation, int $0x80 kills the process
 * with SIGSEGV: the probe finds that in a forked child and the program
 * prints SKIP and exits 77. Usage, output and exit status:
 * tests/programs/seal_attack.h.
 *
 * Example (a kernel without IA32 emulation):
 *   $ seal_attack_int80 sealed
 *   SKIP the int $0x80 (i386 ABI) entry is killed by SEGV on this kernel ...
 */
#include "seal_attack.h"

#if defined(__x86_64__)
/* i386 convention: eax number, then ebx ecx edx esi edi ebp. ebp is
 * swapped in and out around the instruction (it may be the frame pointer).
 * The 64-bit kernel's int 0x80 path zeroes r8-r11 on return. */
static long int80(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
    long ret = nr;
    long ebp = a6;
    __asm__ volatile("xchg %%rbp, %[ebp]\n\t"
                     "int $0x80\n\t"
                     "xchg %%rbp, %[ebp]"
                     : "+a"(ret), [ebp] "+r"(ebp)
                     : "b"(a1), "c"(a2), "d"(a3), "S"(a4), "D"(a5)
                     : "r8", "r9", "r10", "r11", "memory");
    return (long)(int)ret; /* eax holds a 32-bit result: -errno sign-extends */
}

static const struct seal_attack_entry entry = {
    .description = "int $0x80 (i386 ABI)",
    .needs_low_addresses = 1,
    .nr_getpid = 20,
    .nr_mprotect = 125,
    .nr_munmap = 91,
    .nr_mremap = 163,
    .nr_mmap = 192, /* mmap2: the offset is in pages, 0 here */
    .nr_madvise = 219,
    .nr_pkey_mprotect = 380,
    .issue = int80,
    .unavailable_reason = NULL,
};
#else
static const struct seal_attack_entry entry = {
    .description = "int $0x80 (i386 ABI)",
    .unavailable_reason = "this program attacks an x86_64 process through int $0x80; this is not an x86_64 build",
};
#endif

int main(int argc, char **argv) { return seal_attack_main(argc, argv, &entry); }
