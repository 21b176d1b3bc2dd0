/*
 * lockdown_target MECHANISM: locks itself down with sealkit_lockdown(),
 * then checks what lockdown promises, printing "key value" lines.
 * MECHANISM is "kernel" (PR_SET_MDWE where the kernel has it) or "seccomp"
 * (force the seccomp filter).
 *
 * Then it behaves like a JIT compiler: it asks for writable and executable
 * memory and, refused, reports it loudly and exits 3, as a real JIT must.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sealkit/lockdown.h>
#include <sealkit/protected_memory.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

SEALKIT_PROTECTED(int, answer) = {42};

static const char *outcome(long result) { return result == 0 ? "allowed" : strerror(errno); }

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    unsigned flags = SEALKIT_LOCKDOWN_DEFAULT;
    if (strcmp(argv[1], "seccomp") == 0) flags |= SEALKIT_LOCKDOWN_WX_SECCOMP;
    void *writable = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    struct sealkit_lockdown_report report;
    int status = sealkit_lockdown(flags, &report);
    printf("lockdown %s\n", status == 0 ? "ok" : strerror(errno));
    printf("mechanism %s\n", report.write_execute == SEALKIT_WX_KERNEL_MDWE ? "kernel-mdwe"
                             : report.write_execute == SEALKIT_WX_SECCOMP   ? "seccomp"
                                                                            : "none");
    void *own_text = (void *)((unsigned long)(void *)main & ~4095UL);
    printf("own-text-sealed %d\n", sealkit_is_sealed(own_text, 4096));
    printf("protected-frozen %d\n", sealkit_protected_is_frozen(&answer, sizeof answer));
    printf("images-sealed %u\n", report.images.images_sealed);

    void *rwx = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("mmap-rwx %s\n", rwx == MAP_FAILED ? strerror(errno) : "allowed");
    printf("mprotect-add-exec %s\n", outcome(mprotect(writable, 4096, PROT_READ | PROT_EXEC)));
    printf("mprotect-rwx %s\n", outcome(mprotect(writable, 4096, PROT_READ | PROT_WRITE | PROT_EXEC)));
    long raw = syscall(SYS_mprotect, writable, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
    printf("raw-mprotect-rwx %s\n", outcome(raw));
    void *rx = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("mmap-rx %s\n", rx == MAP_FAILED ? strerror(errno) : "allowed");
    printf("mprotect-own-text %s\n", outcome(mprotect(own_text, 4096, PROT_READ | PROT_WRITE)));

    /* Ordinary work still runs: the allocator, stdio, loading a library. */
    char *heap = malloc(1 << 20);
    printf("malloc %s\n", heap ? "ok" : "failed");
    void *library = argc > 2 ? dlopen(argv[2], RTLD_NOW) : NULL;
    printf("dlopen %s\n", argc > 2 ? (library ? "ok" : dlerror()) : "skipped");
    fflush(stdout);

    /* A JIT: write code, then run it. Refused, it must say so. */
    void *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED) {
        fprintf(stderr, "jit: cannot get writable and executable memory: %s\n", strerror(errno));
        return 3;
    }
    return 0;
}
