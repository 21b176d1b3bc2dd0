/*
 * nonpie_exec_chain: a non-PIE program (built at a fixed address, see
 * tests/attacks/CMakeLists.txt) that, started with `sealkit run`, checks
 * its own seals and then runs itself again, LEVELS deep:
 *
 *   $ sealkit run --backend=seccomp -- nonpie_exec_chain 4
 *   level 4: sealed (text: EPERM, munmap: EPERM, RELRO discard: EPERM, mprotect PROT_READ: EPERM)
 *   level 3: sealed (...)
 *
 * Every level maps its image at the same address, so a seal filter that
 * outlives exec (the seccomp backend's, after the first sealer) meets the
 * next level's loader there; the chain fails if the next level cannot
 * start. Each level forks, execs /proc/self/exe with LEVELS - 1, waits and
 * exits with the child's status (0: every level started and was sealed).
 * Attacks tried on its own image: mprotect of its code to read-write-
 * execute and munmap of its read-only data (must be EPERM), MADV_DONTNEED
 * of its RELRO (EPERM, and the GOT must be intact), and mprotect of its
 * read-only data to PROT_READ, which it reports (the kernel refuses it;
 * the seccomp backend lets a filter that outlives exec take access away
 * but not add it: docs/seccomp-backend.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Three pages, so the middle one holds nothing but this array. */
static const char kReadOnly[3 * 4096] __attribute__((aligned(4096))) = "read-only data of nonpie_exec_chain";

static uintptr_t relro_start, relro_end;

static int find_relro(struct dl_phdr_info *info, size_t size, void *unused) {
    (void)size;
    (void)unused;
    for (int i = 0; i < info->dlpi_phnum; ++i)
        if (info->dlpi_phdr[i].p_type == PT_GNU_RELRO) {
            relro_start = (info->dlpi_addr + info->dlpi_phdr[i].p_vaddr) & ~(uintptr_t)4095;
            relro_end = (info->dlpi_addr + info->dlpi_phdr[i].p_vaddr + info->dlpi_phdr[i].p_memsz) & ~(uintptr_t)4095;
        }
    return 1; /* the executable only */
}

static const char *outcome(long result) {
    if (result == 0) return "allowed";
    return errno == EPERM ? "EPERM" : strerror(errno);
}

int main(int argc, char **argv) {
    int levels = argc > 1 ? atoi(argv[1]) : 1;
    uintptr_t code = (uintptr_t)&main & ~(uintptr_t)4095;
    uintptr_t data = (uintptr_t)kReadOnly + 4096;
    dl_iterate_phdr(find_relro, NULL);
    if ((uintptr_t)&main > 0x80000000u) {
        fprintf(stderr, "nonpie_exec_chain: built position-independent (main at %p)\n", (void *)&main);
        return 2;
    }
    /* Raw system calls: the attack must not depend on libc's wrappers. */
    long text = syscall(SYS_mprotect, code, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
    const char *text_result = outcome(text);
    long unmap = syscall(SYS_munmap, data, 4096);
    const char *unmap_result = outcome(unmap);
    const char *discard_result = "no RELRO";
    int got_intact = 1;
    if (relro_end > relro_start) {
        unsigned char before[64];
        memcpy(before, (void *)(relro_end - 64), 64);
        long discard = syscall(SYS_madvise, relro_end - 4096, 4096, MADV_DONTNEED);
        discard_result = outcome(discard);
        got_intact = memcmp(before, (void *)(relro_end - 64), 64) == 0;
    }
    long reduce = syscall(SYS_mprotect, data, 4096, PROT_READ);
    const char *reduce_result = outcome(reduce);
    printf("level %d: text: %s, munmap: %s, RELRO discard: %s%s, mprotect PROT_READ: %s\n", levels, text_result,
           unmap_result, discard_result, got_intact ? "" : " (GOT CHANGED)", reduce_result);
    fflush(stdout);
    if (text == 0 || unmap == 0 || !got_intact || strcmp(discard_result, "EPERM") != 0) return 3;
    if (levels <= 1) return 0;
    pid_t child = fork();
    if (child < 0) return 4;
    if (child == 0) {
        char next[16];
        snprintf(next, sizeof next, "%d", levels - 1);
        char *args[] = {argv[0], next, NULL};
        execv("/proc/self/exe", args);
        _exit(127);
    }
    int status = 0;
    if (waitpid(child, &status, 0) != child) return 4;
    if (!WIFEXITED(status)) return 5;
    if (WEXITSTATUS(status) != 0) fprintf(stderr, "nonpie_exec_chain: level %d exited %d\n", levels - 1, WEXITSTATUS(status));
    return WEXITSTATUS(status);
}
