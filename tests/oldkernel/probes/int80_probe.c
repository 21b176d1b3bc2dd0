/*
 * int80_probe present|absent: can a 64-bit process enter the kernel through
 * the i386 gate, int 0x80? That gate checks seccomp filters against the i386
 * table (mprotect is 125 there, not 10), so sealkit's seccomp backend must
 * cover it; the attack is only testable where the gate works.
 *
 * Built non-PIE (tests/oldkernel/CMakeLists.txt): i386 system calls take
 * 32-bit pointers, so the page the probe re-protects must lie below 4 GiB,
 * as the .bss of a non-PIE program does. Present means: getpid through
 * int 0x80 answers this process's PID, and mprotect (i386 number 125) of a
 * .bss page to read-only really makes it read-only. A gate that faults
 * (SIGSEGV on some virtualised hosts) or is disabled (ia32_emulation=0)
 * counts as absent.
 */
#include "probe.h"

#include <stdint.h>
#include <sys/mman.h>

enum { kI386Getpid = 20, kI386Mprotect = 125 };

static char target[4096] __attribute__((aligned(4096)));

static long i386_syscall(long nr, long a, long b, long c) {
    long result;
    /* The compat entry zeroes r8-r11 on return. */
    __asm__ volatile("int $0x80"
                     : "=a"(result)
                     : "a"(nr), "b"(a), "c"(b), "d"(c)
                     : "memory", "r8", "r9", "r10", "r11");
    return result;
}

/* 1 when a write to `target` in a forked grandchild dies with SIGSEGV. */
static int target_is_read_only(void) {
    pid_t writer = fork();
    if (writer == 0) {
        target[0] = 1;
        _exit(0);
    }
    int status = 0;
    waitpid(writer, &status, 0);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
}

static enum probe_answer measure(void) {
    if ((uintptr_t)target >= (1ULL << 32)) {
        printf("the probe's .bss lies at %p, above 4 GiB: it must be built non-PIE\n", (void *)target);
        return probe_unknown;
    }
    long pid = i386_syscall(kI386Getpid, 0, 0, 0);
    printf("int 0x80 getpid (i386 20) = %ld, getpid() = %ld\n", pid, (long)getpid());
    if (pid == -ENOSYS) return probe_absent;
    if (pid != getpid()) return probe_unknown;

    long r = i386_syscall(kI386Mprotect, (long)(uintptr_t)target, sizeof target, PROT_READ);
    printf("int 0x80 mprotect (i386 125) of a .bss page at %p to PROT_READ = %ld\n", (void *)target, r);
    if (r != 0) return probe_unknown;
    int read_only = target_is_read_only();
    printf("a write to that page then %s\n", read_only ? "faults: the i386 mprotect took effect" : "succeeds");
    return read_only ? probe_present : probe_unknown;
}

int main(int argc, char **argv) {
    enum probe_answer expected = probe_expected(argc, argv, "int 0x80 from a 64-bit process");
    return probe_verdict("int 0x80 from a 64-bit process", probe_in_child(measure, probe_absent), expected);
}
