/*
 * seal_attack.h: the attack shared by the seal_attack_* programs. Each
 * program enters the kernel its own way (the x86_64 syscall instruction,
 * int 0x80 with i386 numbers, the x32 bit) and hands this header its
 * system call numbers and a function that issues one call; the header
 * seals pages through sealkit_seal and tries every mapping change on them.
 *
 * Why: the threat model is an attacker who makes the process issue a
 * memory-management system call from any executable code, not only through
 * libc. A backend that only sees one entry point into the kernel protects
 * nothing; these programs prove each entry point is covered (or say why
 * an entry does not exist here).
 *
 * Usage: PROGRAM MODE [ATTACK]
 *   MODE   sealed    seal each target page, then attack it: exit 0 only if
 *                    every attack is refused with EPERM and the page is intact
 *          unsealed  the control: the same attacks on unsealed pages, exit 0
 *                    only if every one succeeds (the attack itself works)
 *          probe     only check that this entry into the kernel exists
 *   ATTACK one of mprotect munmap mremap mmap_fixed madvise pkey_mprotect
 *          (default: all of them)
 *
 * Output, one line each:
 *   backend NAME              sealkit's active backend
 *   entry DESCRIPTION         how this program enters the kernel
 *   ATTACK refused EPERM intact|changed
 *   ATTACK failed ERRNO_NAME  (any other error)
 *   ATTACK succeeded
 *   summary N of M as expected
 * or, when the entry does not exist here, one line "SKIP REASON".
 *
 * Exit status: 0 as expected, 1 an attack did not behave as the mode
 * expects, 2 bad arguments, 3 setup failed (mmap or sealkit_seal),
 * 77 this entry into the kernel does not exist here.
 *
 * Where each entry was seen working: the syscall instruction on every
 * x86_64 kernel; int $0x80 and the x32 bit do not exist on the development
 * machines (SIGSEGV, ENOSYS), so their unsealed controls were run on
 * Debian's Linux 6.1 under qemu (scripts/oldkernel/run with OLDKERNEL_TESTS
 * listing "seal_attack_int80 unsealed"; for x32 the kernel package
 * linux-image-amd64, whose x32 ABI is off unless booted with
 * syscall.x32=y; the cloud kernel has none): all six calls succeeded
 * through each entry, so the numbers and the assembly are right.
 *
 * Example:
 *   $ SEALKIT_BACKEND=kernel seal_attack_syscall_insn sealed mprotect
 *   backend kernel
 *   entry x86_64 syscall instruction
 *   mprotect refused EPERM intact
 *   summary 1 of 1 as expected
 */
#ifndef SEALKIT_TESTS_SEAL_ATTACK_H
#define SEALKIT_TESTS_SEAL_ATTACK_H

#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sealkit/sealkit.h"

#ifndef MAP_32BIT
#define MAP_32BIT 0x40
#endif

#define SEAL_ATTACK_EXIT_EXPECTED 0
#define SEAL_ATTACK_EXIT_UNEXPECTED 1
#define SEAL_ATTACK_EXIT_USAGE 2
#define SEAL_ATTACK_EXIT_SETUP 3
#define SEAL_ATTACK_EXIT_UNAVAILABLE 77

/* One way into the kernel. The numbers are those of its ABI; issue() makes
 * one call and returns what the kernel returned (-errno on failure). */
struct seal_attack_entry {
    const char *description;
    int needs_low_addresses; /* pointers are 32 bits on this entry */
    long nr_getpid, nr_mprotect, nr_munmap, nr_mremap, nr_mmap, nr_madvise, nr_pkey_mprotect;
    long (*issue)(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
    const char *unavailable_reason; /* non-NULL: this build cannot use the entry at all */
};

static size_t seal_attack_page;

/* Whether the entry works: one getpid through it in a forked child, which
 * may die (int 0x80 without IA32 emulation is SIGSEGV). NULL when it
 * works, else why not. */
static const char *seal_attack_probe(const struct seal_attack_entry *entry) {
    static char reason[256];
    if (entry->unavailable_reason != NULL) return entry->unavailable_reason;
    fflush(stdout);
    pid_t child = fork();
    if (child < 0) {
        snprintf(reason, sizeof reason, "could not fork the probe: %s", strerrorname_np(errno));
        return reason;
    }
    if (child == 0) {
        long got = entry->issue(entry->nr_getpid, 0, 0, 0, 0, 0, 0);
        _exit(got == (long)getpid() ? 0 : got == -ENOSYS ? 10 : 11);
    }
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFSIGNALED(status)) {
        snprintf(reason, sizeof reason,
                 "the %s is killed by %s on this kernel (getpid through it in a forked child): this entry into the "
                 "kernel does not exist here",
                 entry->description, sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "a signal");
        return reason;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 10) {
        snprintf(reason, sizeof reason,
                 "getpid through the %s returns ENOSYS: this kernel does not offer that ABI", entry->description);
        return reason;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(reason, sizeof reason, "getpid through the %s did not return this process's id", entry->description);
        return reason;
    }
    return NULL;
}

/* A fresh anonymous page (below 4 GiB when the entry needs it). */
static char *seal_attack_map(const struct seal_attack_entry *entry, int prot) {
    int flags = MAP_PRIVATE | MAP_ANONYMOUS | (entry->needs_low_addresses ? MAP_32BIT : 0);
    void *p = mmap(NULL, seal_attack_page, PROT_READ | PROT_WRITE, flags, -1, 0);
    if (p == MAP_FAILED) return NULL;
    if (entry->needs_low_addresses && (uintptr_t)p + seal_attack_page > 0xffffffffUL) {
        munmap(p, seal_attack_page);
        return NULL;
    }
    memset(p, 'T', seal_attack_page);
    if (prot != (PROT_READ | PROT_WRITE) && mprotect(p, seal_attack_page, prot) != 0) return NULL;
    return p;
}

static int seal_attack_intact(const char *p) {
    unsigned char vector;
    if (mincore((void *)p, seal_attack_page, &vector) != 0) return 0;
    for (size_t i = 0; i < seal_attack_page; ++i)
        if (p[i] != 'T') return 0;
    return 1;
}

enum seal_attack_kind {
    ATTACK_MPROTECT,
    ATTACK_MUNMAP,
    ATTACK_MREMAP,
    ATTACK_MMAP_FIXED,
    ATTACK_MADVISE,
    ATTACK_PKEY_MPROTECT,
};

static const char *const seal_attack_names[] = {"mprotect", "munmap",  "mremap",
                                                "mmap_fixed", "madvise", "pkey_mprotect"};
#define SEAL_ATTACK_COUNT 6

/* Issues one attack on `target`; `spare` is a free page-sized address for
 * the mremap move. Returns the kernel's result. */
static long seal_attack_issue(const struct seal_attack_entry *e, int kind, char *target, char *spare) {
    long t = (long)(uintptr_t)target;
    long len = (long)seal_attack_page;
    switch (kind) {
        case ATTACK_MPROTECT:
            return e->issue(e->nr_mprotect, t, len, PROT_READ | PROT_WRITE, 0, 0, 0);
        case ATTACK_MUNMAP:
            return e->issue(e->nr_munmap, t, len, 0, 0, 0, 0);
        case ATTACK_MREMAP:
            return e->issue(e->nr_mremap, t, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, (long)(uintptr_t)spare, 0);
        case ATTACK_MMAP_FIXED: /* mmap, or mmap2 with offset 0 in pages */
            return e->issue(e->nr_mmap, t, len, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1,
                            0);
        case ATTACK_MADVISE:
            return e->issue(e->nr_madvise, t, len, MADV_DONTNEED, 0, 0, 0);
        default: /* pkey -1: no key, valid without protection-key hardware */
            return e->issue(e->nr_pkey_mprotect, t, len, PROT_READ | PROT_WRITE, -1, 0, 0);
    }
}

static int seal_attack_usage(const char *program, const char *why) {
    fprintf(stderr,
            "%s: %s; usage: %s sealed|unsealed|probe [mprotect|munmap|mremap|mmap_fixed|madvise|pkey_mprotect]\n",
            program, why, program);
    return SEAL_ATTACK_EXIT_USAGE;
}

static int seal_attack_main(int argc, char **argv, const struct seal_attack_entry *entry) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    seal_attack_page = (size_t)sysconf(_SC_PAGESIZE);
    const char *program = argc > 0 ? argv[0] : "seal_attack";
    if (argc < 2 || argc > 3) return seal_attack_usage(program, "expected a mode and at most one attack");
    const char *mode = argv[1];
    int sealed = strcmp(mode, "sealed") == 0;
    if (!sealed && strcmp(mode, "unsealed") != 0 && strcmp(mode, "probe") != 0)
        return seal_attack_usage(program, "the mode must be sealed, unsealed or probe");
    int only = -1;
    if (argc == 3) {
        for (int k = 0; k < SEAL_ATTACK_COUNT; ++k)
            if (strcmp(argv[2], seal_attack_names[k]) == 0) only = k;
        if (only < 0) return seal_attack_usage(program, "unknown attack");
    }

    const char *unavailable = seal_attack_probe(entry);
    if (unavailable != NULL) {
        printf("SKIP %s\n", unavailable);
        return SEAL_ATTACK_EXIT_UNAVAILABLE;
    }
    printf("backend %s\n", sealkit_backend_name());
    printf("entry %s\n", entry->description);
    if (strcmp(mode, "probe") == 0) return SEAL_ATTACK_EXIT_EXPECTED;

    int attempted = 0, as_expected = 0;
    for (int k = 0; k < SEAL_ATTACK_COUNT; ++k) {
        if (only >= 0 && k != only) continue;
        char *target = seal_attack_map(entry, PROT_READ);
        char *spare = seal_attack_map(entry, PROT_READ | PROT_WRITE);
        if (target == NULL || spare == NULL) {
            printf("SETUP %s: no page%s could be mapped: %s\n", seal_attack_names[k],
                   entry->needs_low_addresses ? " below 4 GiB" : "", strerrorname_np(errno));
            return SEAL_ATTACK_EXIT_SETUP;
        }
        munmap(spare, seal_attack_page); /* the move's free destination */
        if (sealed && sealkit_seal(target, seal_attack_page, 0) != 0) {
            printf("SETUP %s: sealkit_seal failed: %s\n", seal_attack_names[k], strerrorname_np(errno));
            return SEAL_ATTACK_EXIT_SETUP;
        }
        long got = seal_attack_issue(entry, k, target, spare);
        ++attempted;
        if (got == -EPERM) {
            int intact = seal_attack_intact(target);
            printf("%s refused EPERM %s\n", seal_attack_names[k], intact ? "intact" : "changed");
            if (sealed && intact) ++as_expected;
        } else if (got < 0 && got > -4096) {
            const char *name = strerrorname_np((int)-got);
            printf("%s failed %s\n", seal_attack_names[k], name != NULL ? name : "an unknown errno");
        } else {
            printf("%s succeeded\n", seal_attack_names[k]);
            if (!sealed) ++as_expected;
        }
    }
    printf("summary %d of %d as expected\n", as_expected, attempted);
    return as_expected == attempted ? SEAL_ATTACK_EXIT_EXPECTED : SEAL_ATTACK_EXIT_UNEXPECTED;
}

#endif
