/*
 * mseal_conformance: checks that this process gets the kernel's mseal(2)
 * behaviour, row by row (sections 1 and 2 of the facts sheet,
 * shared/reference/mseal-facts.md), with the kernel's exact errno.
 *
 * Why a separate program that knows nothing of sealkit: it is the
 * "unmodified program written for Linux 6.10". It uses only
 * syscall(462, ...) and plain system calls, so the very same binary must
 * pass on a kernel with mseal and under an emulation of it (sealkit's
 * seccomp backend, `sealkit run --backend=seccomp mseal_conformance`).
 * It is linked with libsealkit only because every test program is; it
 * calls nothing from it.
 *
 * Output, one line per check:
 *   PASS name
 *   FAIL name: expected X got Y
 *   SKIP name: reason
 * then a summary line. Exit status: 0 when nothing failed, 1 when a check
 * failed, 77 when there is no mseal at all (syscall(462, NULL, 0, 0) fails
 * with ENOSYS: one line says so), 2 for a bad argument.
 *
 * Example:
 *   $ mseal_conformance
 *   PASS probe_null_len0
 *   PASS flags_nonzero_einval
 *   ...
 *   mseal conformance summary: 82 passed, 0 failed, 2 skipped
 *
 * Every check maps fresh memory (a seal lasts as long as the process), and
 * the checks that must disturb the process (brk, fork) run in a forked
 * child. Whole run: a few milliseconds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define MSEAL_NR 462L

/* Values newer than some C library headers. */
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18
#endif
#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_DONTNEED_LOCKED
#define MADV_DONTNEED_LOCKED 24
#endif
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif
#ifndef SHM_REMAP
#define SHM_REMAP 040000
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_process_madvise
#define SYS_process_madvise 440
#endif

static size_t pg;
static int passed, failed, skipped;

/* ------------------------------------------------------------------ */
/* Reporting */

static void pass(const char *name) {
    printf("PASS %s\n", name);
    ++passed;
}

static void fail(const char *name, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void fail(const char *name, const char *format, ...) {
    va_list args;
    va_start(args, format);
    printf("FAIL %s: ", name);
    vprintf(format, args);
    printf("\n");
    va_end(args);
    ++failed;
}

static void skip(const char *name, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void skip(const char *name, const char *format, ...) {
    va_list args;
    va_start(args, format);
    printf("SKIP %s: ", name);
    vprintf(format, args);
    printf("\n");
    va_end(args);
    ++skipped;
}

/* A check's name built from parts ("madvise_discard_" + advice name). */
static const char *named(const char *prefix, const char *suffix) {
    static char name[128];
    snprintf(name, sizeof name, "%s%s", prefix, suffix);
    return name;
}

/* ------------------------------------------------------------------ */
/* System call results */

/* What a call returned: value, and errno when value == -1. */
struct result {
    long value;
    int error;
};

/* Wraps a call's return value right after the call, before anything can
 * change errno. Pointers (mmap, mremap, shmat) are passed as long, so
 * MAP_FAILED reads as -1. */
static struct result got(long value) {
    struct result r = {value, value == -1 ? errno : 0};
    return r;
}

#define CALL(expression) (errno = 0, got((long)(expression)))

static const char *errno_name(int error) {
    const char *name = strerrorname_np(error);
    return name != NULL ? name : "an unknown errno";
}

/* "-1 EPERM", "0" or "success (0x7f...)". */
static const char *describe(struct result r) {
    static char text[64];
    if (r.value == -1) snprintf(text, sizeof text, "-1 %s", errno_name(r.error));
    else if (r.value == 0) snprintf(text, sizeof text, "0");
    else snprintf(text, sizeof text, "success (%#lx)", (unsigned long)r.value);
    return text;
}

static int is_error(struct result r, int error) { return r.value == -1 && r.error == error; }

/* Each expect_* records one check and returns whether it passed. */
static int expect_error(const char *name, struct result r, int error) {
    if (is_error(r, error)) {
        pass(name);
        return 1;
    }
    fail(name, "expected -1 %s got %s", errno_name(error), describe(r));
    return 0;
}

static int expect_value(const char *name, struct result r, long value) {
    if (r.value == value) {
        pass(name);
        return 1;
    }
    fail(name, "expected %ld got %s", value, describe(r));
    return 0;
}

static int expect_success(const char *name, struct result r) {
    if (r.value != -1) {
        pass(name);
        return 1;
    }
    fail(name, "expected success got %s", describe(r));
    return 0;
}

static int expect_true(const char *name, int condition, const char *expected, const char *instead) {
    if (condition) {
        pass(name);
        return 1;
    }
    fail(name, "expected %s got %s", expected, instead);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Memory */

static long raw_mseal(const void *addr, size_t len, unsigned long flags) {
    return syscall(MSEAL_NR, addr, len, flags);
}

/* `pages` fresh pages of anonymous memory (MAP_PRIVATE or MAP_SHARED),
 * every byte `fill`, then given `prot`. NULL (and a FAIL line) when the
 * setup itself fails. */
static char *map_memory(const char *name, size_t pages, int prot, char fill, int share) {
    void *p = mmap(NULL, pages * pg, PROT_READ | PROT_WRITE, share | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        fail(name, "expected the setup mmap to work got -1 %s", errno_name(errno));
        return NULL;
    }
    memset(p, fill, pages * pg);
    if (prot != (PROT_READ | PROT_WRITE) && mprotect(p, pages * pg, prot) != 0) {
        fail(name, "expected the setup mprotect to work got -1 %s", errno_name(errno));
        return NULL;
    }
    return p;
}

static char *map_anonymous(const char *name, size_t pages, int prot, char fill) {
    return map_memory(name, pages, prot, fill, MAP_PRIVATE);
}

/* The same, then sealed with one mseal over all of it. */
static char *map_sealed(const char *name, size_t pages, int prot, char fill) {
    char *p = map_anonymous(name, pages, prot, fill);
    if (p == NULL) return NULL;
    if (raw_mseal(p, pages * pg, 0) != 0) {
        fail(name, "expected the setup mseal to return 0 got -1 %s", errno_name(errno));
        return NULL;
    }
    return p;
}

/* A page-aligned range that was mapped and is free again. */
static char *free_range(const char *name, size_t pages) {
    char *p = map_anonymous(name, pages, PROT_READ | PROT_WRITE, 0);
    if (p != NULL) munmap(p, pages * pg);
    return p;
}

/* A memfd of `pages` pages, page i filled with fill + i; -1 (and a SKIP
 * line) where there is no memfd_create. */
static int memory_file(const char *name, size_t pages, char fill) {
    int fd = memfd_create("mseal-conformance", MFD_CLOEXEC);
    if (fd < 0) {
        skip(name, "memfd_create failed with %s", errno_name(errno));
        return -1;
    }
    char buffer[65536];
    if (pg > sizeof buffer) {
        close(fd);
        skip(name, "pages of %zu bytes are larger than this program's buffer", pg);
        return -1;
    }
    for (size_t i = 0; i < pages; ++i) {
        memset(buffer, fill + (char)i, pg);
        if (write(fd, buffer, pg) != (ssize_t)pg) {
            close(fd);
            fail(name, "expected the setup write to the memfd to work got -1 %s", errno_name(errno));
            return -1;
        }
    }
    return fd;
}

/* Whether the page at p is mapped (mincore fails with ENOMEM on a hole). */
static int is_mapped(const void *p) {
    unsigned char vector;
    int saved = errno;
    int mapped = mincore((void *)p, pg, &vector) == 0;
    errno = saved;
    return mapped;
}

/* The facts sheet's non-destructive probe: a same-size mremap in place is
 * EPERM only on a sealed range, and a no-op on any other. */
static int is_sealed(void *p, size_t len) {
    int saved = errno;
    int sealed = mremap(p, len, len, 0) == MAP_FAILED && errno == EPERM;
    errno = saved;
    return sealed;
}

static int holds(const void *p, size_t len, char fill) {
    const char *bytes = p;
    for (size_t i = 0; i < len; ++i)
        if (bytes[i] != fill) return 0;
    return 1;
}

/* What a refused call must leave behind: mapped, sealed, contents unchanged. */
static void expect_intact(const char *name, char *p, size_t pages, char fill) {
    for (size_t i = 0; i < pages; ++i) {
        if (!is_mapped(p + i * pg)) {
            fail(name, "expected the sealed pages to stay mapped got page %zu unmapped", i);
            return;
        }
    }
    if (!is_sealed(p, pages * pg)) {
        fail(name, "expected the pages to stay sealed got an unsealed range");
        return;
    }
    if (!holds(p, pages * pg, fill)) {
        fail(name, "expected every byte to stay '%c' got changed contents", fill);
        return;
    }
    pass(name);
}

/* ------------------------------------------------------------------ */
/* 1. The argument checks, in the kernel's order */

static void check_arguments(void) {
    char *p = map_anonymous("flags_nonzero_einval", 1, PROT_READ, 'a');
    if (p != NULL) {
        expect_error("flags_nonzero_einval", CALL(raw_mseal(p, pg, 1)), EINVAL);
        expect_error("flags_high_bit_einval", CALL(raw_mseal(p, pg, 1UL << 63)), EINVAL);
        expect_error("flags_checked_before_len0", CALL(raw_mseal(p, 0, 1)), EINVAL);
        expect_true("flags_einval_seals_nothing", !is_sealed(p, pg), "an unsealed page", "a sealed page");
    }

    p = map_anonymous("unaligned_addr_einval", 2, PROT_READ, 'a');
    if (p != NULL) {
        expect_error("unaligned_addr_einval", CALL(raw_mseal(p + 1, pg, 0)), EINVAL);
        expect_error("unaligned_addr_checked_before_len0", CALL(raw_mseal(p + 1, 0, 0)), EINVAL);
        expect_true("unaligned_addr_seals_nothing", !is_sealed(p, 2 * pg), "unsealed pages", "a sealed page");
    }

    p = map_anonymous("len_rounded_up", 2, PROT_READ, 'a');
    if (p != NULL && expect_value("len_rounded_up", CALL(raw_mseal(p, 1, 0)), 0)) {
        expect_true("len_rounded_up_seals_the_whole_first_page", is_sealed(p, pg), "the first page sealed",
                    "it unsealed");
        expect_true("len_rounded_up_stops_at_the_page_end", !is_sealed(p + pg, pg), "the second page unsealed",
                    "it sealed");
    }

    p = map_anonymous("len_rounds_to_zero_einval", 1, PROT_READ, 'a');
    if (p != NULL) {
        /* PAGE_ALIGN(SIZE_MAX - 10) wraps to 0. */
        expect_error("len_rounds_to_zero_einval", CALL(raw_mseal(p, SIZE_MAX - 10, 0)), EINVAL);
        /* Page aligned and not 0, but p + len wraps past the top. */
        size_t wrapping = (size_t)0 - (uintptr_t)p + 2 * pg;
        expect_error("addr_plus_len_overflow_einval", CALL(raw_mseal(p, wrapping, 0)), EINVAL);
        expect_true("overflow_seals_nothing", !is_sealed(p, pg), "an unsealed page", "a sealed page");
    }

    expect_value("len0_null_returns_0", CALL(raw_mseal(NULL, 0, 0)), 0);
    p = map_anonymous("len0_mapped_returns_0", 1, PROT_READ, 'a');
    if (p != NULL) {
        expect_value("len0_mapped_returns_0", CALL(raw_mseal(p, 0, 0)), 0);
        expect_true("len0_seals_nothing", !is_sealed(p, pg), "an unsealed page", "a sealed page");
    }
    p = free_range("len0_unmapped_returns_0", 1);
    if (p != NULL) expect_value("len0_unmapped_returns_0", CALL(raw_mseal(p, 0, 0)), 0);

    /* Three pages with the middle one unmapped. */
    p = map_anonymous("hole_enomem", 3, PROT_READ | PROT_WRITE, 'h');
    if (p != NULL && munmap(p + pg, pg) == 0) {
        expect_error("hole_enomem", CALL(raw_mseal(p, 3 * pg, 0)), ENOMEM);
        expect_true("hole_enomem_seals_nothing", !is_sealed(p, pg) && !is_sealed(p + 2 * pg, pg),
                    "both mapped pages unsealed", "a sealed page");
        expect_true("hole_enomem_first_page_still_changeable", mprotect(p, pg, PROT_READ) == 0,
                    "mprotect of the first page to work", errno_name(errno));
    }
    p = map_anonymous("range_past_the_mapping_enomem", 2, PROT_READ, 'h');
    if (p != NULL && munmap(p + pg, pg) == 0) {
        expect_error("range_past_the_mapping_enomem", CALL(raw_mseal(p, 2 * pg, 0)), ENOMEM);
        expect_true("range_past_the_mapping_seals_nothing", !is_sealed(p, pg), "an unsealed page", "a sealed page");
    }
    p = free_range("unmapped_range_enomem", 2);
    if (p != NULL) expect_error("unmapped_range_enomem", CALL(raw_mseal(p, 2 * pg, 0)), ENOMEM);

    p = map_anonymous("seal_twice_returns_0", 2, PROT_READ, 't');
    if (p != NULL && expect_value("seal_returns_0", CALL(raw_mseal(p, 2 * pg, 0)), 0)) {
        expect_value("seal_twice_returns_0", CALL(raw_mseal(p, 2 * pg, 0)), 0);
        expect_value("seal_part_of_a_sealed_range_returns_0", CALL(raw_mseal(p + pg, pg, 0)), 0);
        expect_intact("seal_twice_keeps_the_seal", p, 2, 't');
    }

    /* Any mapping can be sealed, PROT_NONE and shared memory too. */
    p = map_anonymous("seal_prot_none", 1, PROT_NONE, 0);
    if (p != NULL && expect_value("seal_prot_none", CALL(raw_mseal(p, pg, 0)), 0))
        expect_error("seal_prot_none_blocks_mprotect", CALL(mprotect(p, pg, PROT_READ)), EPERM);
    p = map_memory("seal_shared_anonymous", 1, PROT_READ | PROT_WRITE, 's', MAP_SHARED);
    if (p != NULL && expect_value("seal_shared_anonymous", CALL(raw_mseal(p, pg, 0)), 0))
        expect_error("seal_shared_anonymous_blocks_munmap", CALL(munmap(p, pg)), EPERM);
}

/* ------------------------------------------------------------------ */
/* 2. What a seal blocks */

static void check_mprotect(void) {
    char *p = map_sealed("mprotect_to_writable_eperm", 2, PROT_READ, 'm');
    if (p == NULL) return;
    expect_error("mprotect_to_writable_eperm", CALL(mprotect(p, 2 * pg, PROT_READ | PROT_WRITE)), EPERM);
    expect_error("mprotect_to_the_same_protection_eperm", CALL(mprotect(p, 2 * pg, PROT_READ)), EPERM);
    expect_error("mprotect_of_one_sealed_page_eperm", CALL(mprotect(p + pg, pg, PROT_NONE)), EPERM);
    expect_intact("mprotect_refused_changes_nothing", p, 2, 'm');

    /* [unsealed][sealed]: refused. Not all-or-nothing on 6.12+: the VMA
     * before the sealed one may already be changed, so only the sealed page
     * is checked. */
    p = map_anonymous("mprotect_across_a_seal_eperm", 2, PROT_READ, 'm');
    if (p != NULL && raw_mseal(p + pg, pg, 0) == 0) {
        expect_error("mprotect_across_a_seal_eperm", CALL(mprotect(p, 2 * pg, PROT_READ | PROT_WRITE)), EPERM);
        expect_intact("mprotect_across_a_seal_keeps_the_sealed_page", p + pg, 1, 'm');
    }
}

static long raw_pkey_mprotect(void *addr, size_t len, int prot, int pkey) {
    return syscall(SYS_pkey_mprotect, addr, len, prot, pkey);
}

static void check_pkey_mprotect(void) {
    /* pkey -1 means "no key": a valid call even without PKU hardware. */
    char *control = map_anonymous("pkey_mprotect_no_key_eperm", 1, PROT_READ, 'k');
    if (control == NULL) return;
    struct result unsealed = CALL(raw_pkey_mprotect(control, pg, PROT_READ, -1));
    if (unsealed.value != 0) {
        skip("pkey_mprotect_no_key_eperm", "pkey_mprotect(-1) fails on an unsealed page too (%s)",
             describe(unsealed));
    } else {
        char *p = map_sealed("pkey_mprotect_no_key_eperm", 1, PROT_READ, 'k');
        if (p != NULL) {
            expect_error("pkey_mprotect_no_key_eperm", CALL(raw_pkey_mprotect(p, pg, PROT_READ | PROT_WRITE, -1)),
                         EPERM);
            expect_error("pkey_mprotect_no_key_same_protection_eperm",
                         CALL(raw_pkey_mprotect(p, pg, PROT_READ, -1)), EPERM);
            expect_intact("pkey_mprotect_no_key_refused_changes_nothing", p, 1, 'k');
        }
    }

    errno = 0;
    long pkey = syscall(SYS_pkey_alloc, 0, 0);
    if (pkey < 0) {
        skip("pkey_mprotect_allocated_key_eperm",
             "pkey_alloc failed with %s: no memory protection keys on this CPU or kernel", errno_name(errno));
        return;
    }
    char *p = map_sealed("pkey_mprotect_allocated_key_eperm", 1, PROT_READ, 'k');
    if (p != NULL) {
        expect_error("pkey_mprotect_allocated_key_eperm", CALL(raw_pkey_mprotect(p, pg, PROT_READ, (int)pkey)),
                     EPERM);
        expect_intact("pkey_mprotect_allocated_key_refused_changes_nothing", p, 1, 'k');
    }
    syscall(SYS_pkey_free, pkey);
}

static void check_munmap(void) {
    char *p = map_sealed("munmap_eperm", 2, PROT_READ, 'u');
    if (p != NULL) {
        expect_error("munmap_eperm", CALL(munmap(p, 2 * pg)), EPERM);
        expect_error("munmap_of_one_sealed_page_eperm", CALL(munmap(p + pg, pg)), EPERM);
        expect_intact("munmap_refused_unmaps_nothing", p, 2, 'u');
    }

    /* [unsealed][sealed]: all-or-nothing, the unsealed page stays too. */
    p = map_anonymous("munmap_across_a_seal_eperm", 2, PROT_READ, 'u');
    if (p != NULL && raw_mseal(p + pg, pg, 0) == 0) {
        expect_error("munmap_across_a_seal_eperm", CALL(munmap(p, 2 * pg)), EPERM);
        expect_true("munmap_across_a_seal_unmaps_nothing", is_mapped(p) && holds(p, pg, 'u'),
                    "the unsealed page still mapped", "it unmapped");
    }
}

static void check_mmap(void) {
    char *p = map_sealed("mmap_fixed_eperm", 2, PROT_READ, 'f');
    if (p != NULL) {
        expect_error("mmap_fixed_eperm",
                     CALL(mmap(p, 2 * pg, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)),
                     EPERM);
        expect_error("mmap_fixed_same_protection_eperm",
                     CALL(mmap(p + pg, pg, PROT_READ, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)), EPERM);
        expect_intact("mmap_fixed_refused_replaces_nothing", p, 2, 'f');
        expect_error("mmap_fixed_noreplace_eexist",
                     CALL(mmap(p, pg, PROT_READ | PROT_WRITE, MAP_FIXED_NOREPLACE | MAP_PRIVATE | MAP_ANONYMOUS, -1,
                               0)),
                     EEXIST);
        expect_intact("mmap_fixed_noreplace_changes_nothing", p, 2, 'f');
    }

    p = map_anonymous("mmap_fixed_across_a_seal_eperm", 2, PROT_READ, 'f');
    if (p != NULL && raw_mseal(p + pg, pg, 0) == 0) {
        expect_error("mmap_fixed_across_a_seal_eperm",
                     CALL(mmap(p, 2 * pg, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)),
                     EPERM);
        expect_true("mmap_fixed_across_a_seal_replaces_nothing", is_mapped(p) && holds(p, pg, 'f'),
                    "the unsealed page unchanged", "it replaced");
    }
}

static void check_mremap(void) {
    char *p = map_sealed("mremap_shrink_eperm", 2, PROT_READ, 'r');
    if (p != NULL) {
        expect_error("mremap_shrink_eperm", CALL(mremap(p, 2 * pg, pg, 0)), EPERM);
        expect_error("mremap_same_size_eperm", CALL(mremap(p, 2 * pg, 2 * pg, 0)), EPERM);
        expect_error("mremap_same_size_maymove_eperm", CALL(mremap(p, 2 * pg, 2 * pg, MREMAP_MAYMOVE)), EPERM);
        expect_intact("mremap_shrink_refused_changes_nothing", p, 2, 'r');
    }

    /* A sealed page with a free page after it, so growing in place would
     * otherwise work. */
    p = map_anonymous("mremap_grow_eperm", 2, PROT_READ, 'g');
    if (p != NULL && munmap(p + pg, pg) == 0 && raw_mseal(p, pg, 0) == 0) {
        expect_error("mremap_grow_eperm", CALL(mremap(p, pg, 2 * pg, 0)), EPERM);
        expect_error("mremap_grow_maymove_eperm", CALL(mremap(p, pg, 2 * pg, MREMAP_MAYMOVE)), EPERM);
        expect_true("mremap_grow_refused_grows_nothing", !is_mapped(p + pg), "the next page still free",
                    "it mapped");
        expect_intact("mremap_grow_refused_changes_nothing", p, 1, 'g');
    }

    /* The free destination is made last, so no setup mmap can reuse it. */
    p = map_sealed("mremap_move_eperm", 1, PROT_READ, 'v');
    char *destination = free_range("mremap_move_eperm", 1);
    if (p != NULL && destination != NULL) {
        expect_error("mremap_move_eperm", CALL(mremap(p, pg, pg, MREMAP_MAYMOVE | MREMAP_FIXED, destination)),
                     EPERM);
        expect_true("mremap_move_refused_maps_nothing", !is_mapped(destination), "the destination still free",
                    "it mapped");
        expect_intact("mremap_move_refused_changes_nothing", p, 1, 'v');
    }

    char *control = map_anonymous("mremap_dontunmap_eperm", 1, PROT_READ, 'd');
    if (control != NULL) {
        struct result unsealed = CALL(mremap(control, pg, pg, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL));
        if (unsealed.value == -1) {
            skip("mremap_dontunmap_eperm", "MREMAP_DONTUNMAP fails on an unsealed page too (%s): needs Linux 5.7",
                 describe(unsealed));
        } else {
            p = map_sealed("mremap_dontunmap_eperm", 1, PROT_READ, 'd');
            if (p != NULL) {
                expect_error("mremap_dontunmap_eperm", CALL(mremap(p, pg, pg, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL)),
                             EPERM);
                expect_intact("mremap_dontunmap_refused_changes_nothing", p, 1, 'd');
            }
        }
    }

    /* An unsealed source moved onto a sealed destination. */
    char *source = map_anonymous("mremap_fixed_onto_a_sealed_destination_eperm", 1, PROT_READ | PROT_WRITE, 's');
    p = map_sealed("mremap_fixed_onto_a_sealed_destination_eperm", 1, PROT_READ, 'D');
    if (source != NULL && p != NULL) {
        expect_error("mremap_fixed_onto_a_sealed_destination_eperm",
                     CALL(mremap(source, pg, pg, MREMAP_MAYMOVE | MREMAP_FIXED, p)), EPERM);
        expect_true("mremap_fixed_onto_a_sealed_destination_keeps_the_source",
                    is_mapped(source) && holds(source, pg, 's'),
                    "the source still mapped and unchanged", "it moved");
        expect_intact("mremap_fixed_onto_a_sealed_destination_changes_nothing", p, 1, 'D');
    }
}

static void check_remap_file_pages(void) {
    const char *name = "remap_file_pages_eperm";
    int fd = memory_file(name, 4, '0');
    if (fd < 0) return;
    char *control = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char *p = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (control == MAP_FAILED || p == MAP_FAILED) {
        fail(name, "expected the setup mmap of the memfd to work got -1 %s", errno_name(errno));
        return;
    }
    struct result unsealed = CALL(syscall(SYS_remap_file_pages, control, pg, 0, 2, 0));
    if (unsealed.value != 0) {
        skip(name, "remap_file_pages fails on an unsealed mapping too (%s)", describe(unsealed));
        return;
    }
    if (raw_mseal(p, 4 * pg, 0) != 0) {
        fail(name, "expected the setup mseal to return 0 got -1 %s", errno_name(errno));
        return;
    }
    expect_error(name, CALL(syscall(SYS_remap_file_pages, p, pg, 0, 2, 0)), EPERM);
    expect_intact("remap_file_pages_refused_changes_nothing", p, 1, '0');
}

struct advice {
    int value;
    const char *name;
};

/* Discard advice: refused on sealed anonymous memory the caller cannot
 * write. */
static const struct advice discard_advice[] = {
    {MADV_DONTNEED, "DONTNEED"},   {MADV_FREE, "FREE"},
    {MADV_DONTNEED_LOCKED, "DONTNEED_LOCKED"}, {MADV_REMOVE, "REMOVE"},
    {MADV_DONTFORK, "DONTFORK"},   {MADV_WIPEONFORK, "WIPEONFORK"},
    {MADV_GUARD_INSTALL, "GUARD_INSTALL"},
};

/* Advice that is not discard advice: allowed on any sealed memory. */
static const struct advice other_advice[] = {
    {MADV_NORMAL, "NORMAL"},     {MADV_RANDOM, "RANDOM"},     {MADV_SEQUENTIAL, "SEQUENTIAL"},
    {MADV_WILLNEED, "WILLNEED"}, {MADV_DONTDUMP, "DONTDUMP"}, {MADV_DODUMP, "DODUMP"},
    {MADV_COLD, "COLD"},         {MADV_PAGEOUT, "PAGEOUT"},   {MADV_DOFORK, "DOFORK"},
};

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

/* Whether this kernel knows the advice at all: advice newer than the
 * kernel is EINVAL on any memory (GUARD_INSTALL needs 6.13,
 * DONTNEED_LOCKED 5.18; REMOVE is EINVAL on private memory anyway, and the
 * seal is checked before that). */
static int advice_known(const struct advice *a, const char *name) {
    if (a->value != MADV_GUARD_INSTALL && a->value != MADV_DONTNEED_LOCKED) return 1;
    char *control = map_anonymous(name, 1, PROT_READ, 'c');
    if (control == NULL) return 0;
    struct result unsealed = CALL(madvise(control, pg, a->value));
    if (is_error(unsealed, EINVAL)) {
        skip(name, "this kernel rejects MADV_%s on unsealed memory too (-1 EINVAL)", a->name);
        return 0;
    }
    return 1;
}

static void check_madvise(void) {
    for (size_t i = 0; i < COUNT(discard_advice); ++i) {
        const struct advice *a = &discard_advice[i];
        char name[96];
        snprintf(name, sizeof name, "madvise_%s_sealed_read_only_anonymous_eperm", a->name);
        if (!advice_known(a, name)) continue;
        char *p = map_sealed(name, 2, PROT_READ, 'z');
        if (p == NULL) continue;
        if (expect_error(name, CALL(madvise(p, 2 * pg, a->value)), EPERM))
            expect_intact(named("madvise_refused_keeps_contents_", a->name), p, 2, 'z');
    }

    char *p = map_sealed("madvise_DONTNEED_sealed_prot_none_eperm", 1, PROT_NONE, 0);
    if (p != NULL) expect_error("madvise_DONTNEED_sealed_prot_none_eperm", CALL(madvise(p, pg, MADV_DONTNEED)), EPERM);

    /* Writable by protection but not by protection key: still refused. */
    const char *denied = "madvise_DONTNEED_sealed_pkey_write_denied_eperm";
    errno = 0;
    long pkey = syscall(SYS_pkey_alloc, 0, PKEY_DISABLE_WRITE);
    if (pkey < 0) {
        skip(denied, "pkey_alloc failed with %s: no memory protection keys on this CPU or kernel", errno_name(errno));
    } else {
        p = map_anonymous(denied, 1, PROT_READ | PROT_WRITE, 'y');
        if (p != NULL && syscall(SYS_pkey_mprotect, p, pg, PROT_READ | PROT_WRITE, pkey) == 0 &&
            raw_mseal(p, pg, 0) == 0) {
            expect_error(denied, CALL(madvise(p, pg, MADV_DONTNEED)), EPERM);
            expect_intact("madvise_pkey_write_denied_keeps_contents", p, 1, 'y');
        } else if (p != NULL) {
            fail(denied, "expected the setup pkey_mprotect and mseal to work got -1 %s", errno_name(errno));
        }
    }

    /* Allowed: the caller could write the same bytes itself. */
    p = map_sealed("madvise_DONTNEED_sealed_writable_anonymous_allowed", 1, PROT_READ | PROT_WRITE, 'w');
    if (p != NULL && expect_value("madvise_DONTNEED_sealed_writable_anonymous_allowed",
                                  CALL(madvise(p, pg, MADV_DONTNEED)), 0))
        expect_true("madvise_DONTNEED_sealed_writable_anonymous_zeroes_it", holds(p, pg, 0), "zeroed pages",
                    "the old contents");

    /* Allowed: shared anonymous memory is not anonymous to the kernel. */
    p = map_memory("madvise_DONTNEED_sealed_read_only_shared_allowed", 1, PROT_READ, 'h', MAP_SHARED);
    if (p != NULL && raw_mseal(p, pg, 0) == 0)
        expect_value("madvise_DONTNEED_sealed_read_only_shared_allowed", CALL(madvise(p, pg, MADV_DONTNEED)), 0);

    /* Allowed: a read-only private file mapping. Its private copy is
     * discarded and the page reverts to the file's bytes (the known gap). */
    const char *name = "madvise_DONTNEED_sealed_read_only_private_file_allowed";
    int fd = memory_file(name, 1, 'F');
    if (fd >= 0) {
        p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        close(fd);
        if (p == MAP_FAILED) {
            fail(name, "expected the setup mmap of the memfd to work got -1 %s", errno_name(errno));
        } else {
            memset(p, 'P', pg); /* a private copy of the page */
            if (mprotect(p, pg, PROT_READ) == 0 && raw_mseal(p, pg, 0) == 0 &&
                expect_value(name, CALL(madvise(p, pg, MADV_DONTNEED)), 0))
                expect_true("madvise_DONTNEED_sealed_private_file_reverts_to_the_file", holds(p, pg, 'F'),
                            "the file's bytes", "the private copy");
        }
    }

    for (size_t i = 0; i < COUNT(other_advice); ++i) {
        const struct advice *a = &other_advice[i];
        char check[96];
        snprintf(check, sizeof check, "madvise_%s_sealed_read_only_allowed", a->name);
        char *control = map_anonymous(check, 1, PROT_READ, 'n');
        p = map_sealed(check, 1, PROT_READ, 'n');
        if (control == NULL || p == NULL) continue;
        struct result unsealed = CALL(madvise(control, pg, a->value));
        if (unsealed.value != 0) {
            skip(check, "MADV_%s fails on unsealed memory too (%s)", a->name, describe(unsealed));
            continue;
        }
        if (expect_value(check, CALL(madvise(p, pg, a->value)), 0))
            expect_intact(named("madvise_allowed_keeps_the_seal_", a->name), p, 1, 'n');
    }

    /* Advice over part of a sealed VMA splits it; both parts stay sealed. */
    p = map_sealed("madvise_split_keeps_both_parts_sealed", 2, PROT_READ, 'x');
    if (p != NULL && madvise(p, pg, MADV_RANDOM) == 0)
        expect_true("madvise_split_keeps_both_parts_sealed", is_sealed(p, pg) && is_sealed(p + pg, pg),
                    "both halves sealed", "an unsealed half");
}

static struct result process_madvise_one(int pidfd, void *addr, size_t len, int advice) {
    struct iovec range = {addr, len};
    return CALL(syscall(SYS_process_madvise, pidfd, &range, 1, advice, 0U));
}

/* process_madvise on this process: the same seal rule as madvise. Before
 * Linux 6.13 the kernel refused discard advice through it for any process
 * (EINVAL): the probe on an unsealed range finds that and skips. */
static void check_process_madvise(void) {
    int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
    if (pidfd < 0) {
        skip("process_madvise", "pidfd_open failed with %s", errno_name(errno));
        return;
    }
    for (size_t i = 0; i < COUNT(discard_advice); ++i) {
        const struct advice *a = &discard_advice[i];
        /* MADV_REMOVE needs shared memory, so its probe on private memory
         * would always fail; madvise covers it. */
        if (a->value == MADV_REMOVE) continue;
        char name[96];
        snprintf(name, sizeof name, "process_madvise_%s_sealed_read_only_anonymous_eperm", a->name);
        char *control = map_anonymous(name, 1, PROT_READ, 'c');
        if (control == NULL) continue;
        struct result unsealed = process_madvise_one(pidfd, control, pg, a->value);
        if (unsealed.value != (long)pg) {
            skip(name, "the kernel refuses it on an unsealed range too (%s)%s", describe(unsealed),
                 is_error(unsealed, EINVAL) ? ": before Linux 6.13 no discard advice through process_madvise" : "");
            continue;
        }
        char *p = map_sealed(name, 1, PROT_READ, 'q');
        if (p != NULL && expect_error(name, process_madvise_one(pidfd, p, pg, a->value), EPERM))
            expect_intact(named("process_madvise_refused_keeps_contents_", a->name), p, 1, 'q');
    }
    char *p = map_sealed("process_madvise_COLD_sealed_allowed", 1, PROT_READ, 'o');
    if (p != NULL) {
        struct result r = process_madvise_one(pidfd, p, pg, MADV_COLD);
        if (is_error(r, ENOSYS)) skip("process_madvise_COLD_sealed_allowed", "no process_madvise here (ENOSYS)");
        else expect_value("process_madvise_COLD_sealed_allowed", r, (long)pg);
    }
    close(pidfd);
}

static void check_shm(void) {
    int id = shmget(IPC_PRIVATE, pg, IPC_CREAT | 0600);
    if (id < 0) {
        skip("shm", "no System V shared memory here: shmget failed with %s", errno_name(errno));
        return;
    }
    /* Control: SHM_REMAP over unsealed memory replaces it. */
    char *control = map_anonymous("shmat_shm_remap_onto_a_sealed_range_eperm", 1, PROT_READ, 'c');
    char *p = map_sealed("shmat_shm_remap_onto_a_sealed_range_eperm", 1, PROT_READ, 'S');
    if (control != NULL && p != NULL) {
        struct result unsealed = CALL(shmat(id, control, SHM_REMAP));
        if (unsealed.value != (long)(uintptr_t)control) {
            skip("shmat_shm_remap_onto_a_sealed_range_eperm", "SHM_REMAP over unsealed memory fails too (%s)",
                 describe(unsealed));
        } else {
            expect_error("shmat_shm_remap_onto_a_sealed_range_eperm", CALL(shmat(id, p, SHM_REMAP)), EPERM);
            expect_error("shmat_without_remap_onto_a_sealed_range_einval", CALL(shmat(id, p, 0)), EINVAL);
            expect_intact("shmat_refused_changes_nothing", p, 1, 'S');
        }
    }

    char *segment = shmat(id, NULL, 0);
    if (segment == (char *)-1) {
        fail("shmdt_of_a_sealed_segment_returns_0", "expected the setup shmat to work got -1 %s", errno_name(errno));
    } else {
        memset(segment, 'V', pg);
        if (raw_mseal(segment, pg, 0) == 0) {
            expect_value("shmdt_of_a_sealed_segment_returns_0", CALL(shmdt(segment)), 0);
            expect_intact("shmdt_of_a_sealed_segment_keeps_it_mapped", segment, 1, 'V');
        } else {
            fail("shmdt_of_a_sealed_segment_returns_0", "expected the setup mseal to return 0 got -1 %s",
                 errno_name(errno));
        }
    }
    shmctl(id, IPC_RMID, NULL); /* destroyed when the last attachment goes */
}

/* Runs body() in a forked child that prints its own PASS/FAIL/SKIP lines
 * and sends its counts back through a pipe. */
static int child_counts_fd = -1; /* in a child: where its counts go */

static void in_child(const char *name, void (*body)(void *), void *argument) {
    int counts[2];
    if (pipe(counts) != 0) {
        fail(name, "expected pipe to work got -1 %s", errno_name(errno));
        return;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        fail(name, "expected fork to work got -1 %s", errno_name(errno));
        close(counts[0]);
        close(counts[1]);
        return;
    }
    if (pid == 0) {
        close(counts[0]);
        passed = failed = skipped = 0;
        child_counts_fd = counts[1];
        body(argument);
        fflush(stdout);
        int mine[3] = {passed, failed, skipped};
        _exit(write(counts[1], mine, sizeof mine) == (ssize_t)sizeof mine ? 0 : 1);
    }
    close(counts[1]);
    int theirs[3] = {0, 0, 0};
    ssize_t n = read(counts[0], theirs, sizeof theirs);
    close(counts[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (n != (ssize_t)sizeof theirs || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fail(name, "expected the child to report and exit 0 got %s %d",
             WIFSIGNALED(status) ? "signal" : "exit status",
             WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        return;
    }
    passed += theirs[0];
    failed += theirs[1];
    skipped += theirs[2];
}

/* The kernel refuses to move the break down into sealed heap pages and
 * returns the old break, which glibc's brk() turns into 0. In a child:
 * moving the break would upset this process's malloc. */
static void brk_body(void *unused) {
    (void)unused;
    const char *name = "brk_shrinking_into_a_sealed_heap_refused";
    char *current = sbrk(0);
    uintptr_t aligned = ((uintptr_t)current + pg - 1) & ~(uintptr_t)(pg - 1);
    if (sbrk((intptr_t)(aligned - (uintptr_t)current + 2 * pg)) == (void *)-1) {
        skip(name, "the heap cannot grow here: sbrk failed with %s", errno_name(errno));
        return;
    }
    char *heap = (char *)aligned;
    char *top = sbrk(0);
    memset(heap, 'H', 2 * pg);
    if (raw_mseal(heap, 2 * pg, 0) != 0) {
        fail(name, "expected the setup mseal of the heap to return 0 got -1 %s", errno_name(errno));
        return;
    }
    expect_value("brk_shrinking_into_a_sealed_heap_glibc_returns_0", CALL(brk(heap)), 0);
    expect_value("brk_shrinking_into_a_sealed_heap_kernel_returns_the_old_break", CALL(syscall(SYS_brk, heap)),
                 (long)(uintptr_t)top);
    expect_true("brk_shrinking_into_a_sealed_heap_leaves_the_break", (char *)syscall(SYS_brk, 0) == top,
                "the break unchanged", "a moved break");
    expect_intact(name, heap, 2, 'H');
}

struct fork_target {
    char *sealed;
    char *unsealed;
};

static void fork_body(void *argument) {
    struct fork_target *t = argument;
    char *p = t->sealed;
    expect_error("fork_child_mprotect_eperm", CALL(mprotect(p, pg, PROT_READ | PROT_WRITE)), EPERM);
    expect_error("fork_child_munmap_eperm", CALL(munmap(p, pg)), EPERM);
    expect_error("fork_child_mremap_eperm", CALL(mremap(p, pg, pg, 0)), EPERM);
    expect_error("fork_child_mmap_fixed_eperm",
                 CALL(mmap(p, pg, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)), EPERM);
    expect_error("fork_child_madvise_DONTNEED_eperm", CALL(madvise(p, pg, MADV_DONTNEED)), EPERM);
    expect_intact("fork_child_sealed_page_intact", p, 1, 'K');
    expect_value("fork_child_unsealed_page_changeable", CALL(mprotect(t->unsealed, pg, PROT_READ | PROT_WRITE)), 0);
}

/* A thread that existed before the seal: it waits until the page is
 * sealed, then attacks it. */
struct thread_target {
    char *page;
    int go[2];
    struct result mprotect_result, munmap_result;
};

static void *thread_attack(void *argument) {
    struct thread_target *t = argument;
    char byte;
    if (read(t->go[0], &byte, 1) != 1) return NULL;
    t->mprotect_result = CALL(mprotect(t->page, pg, PROT_READ | PROT_WRITE));
    t->munmap_result = CALL(munmap(t->page, pg));
    return NULL;
}

static void check_threads(void) {
    const char *name = "thread_started_before_the_seal_mprotect_eperm";
    struct thread_target t = {map_anonymous(name, 1, PROT_READ, 'T'), {-1, -1}, {0, 0}, {0, 0}};
    if (t.page == NULL) return;
    if (pipe(t.go) != 0) {
        fail(name, "expected pipe to work got -1 %s", errno_name(errno));
        return;
    }
    pthread_t thread;
    int error = pthread_create(&thread, NULL, thread_attack, &t);
    if (error != 0) {
        fail(name, "expected pthread_create to work got %s", errno_name(error));
        return;
    }
    int sealed = raw_mseal(t.page, pg, 0) == 0;
    ssize_t sent = write(t.go[1], "s", 1);
    pthread_join(thread, NULL);
    close(t.go[0]);
    close(t.go[1]);
    if (!sealed || sent != 1) {
        fail(name, "expected the setup mseal and pipe write to work got -1 %s", errno_name(errno));
        return;
    }
    expect_error(name, t.mprotect_result, EPERM);
    expect_error("thread_started_before_the_seal_munmap_eperm", t.munmap_result, EPERM);
    expect_intact("thread_started_before_the_seal_changes_nothing", t.page, 1, 'T');
}

/* Seals end at execve: the new image may map, change and unmap memory at
 * the very addresses the old one sealed. The parent seals a page at a fixed
 * address; a child execs this program with --after-exec ADDRESS FD, which
 * maps the same address again (MAP_FIXED_NOREPLACE) and changes it. */
static char *map_sealed_at_a_fixed_address(const char *name) {
    static const uintptr_t candidates[] = {0x5a5a00000000UL, 0x3c3c00000000UL, 0x6e6e00000000UL, 0x2b2b00000000UL};
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; ++i) {
        void *p = mmap((void *)candidates[i], pg, PROT_READ, MAP_FIXED_NOREPLACE | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == (void *)candidates[i]) {
            if (raw_mseal(p, pg, 0) == 0) return p;
            fail(name, "expected the setup mseal to return 0 got -1 %s", errno_name(errno));
            return NULL;
        }
        if (p != MAP_FAILED) munmap(p, pg); /* an old kernel took the flag as a hint */
    }
    skip(name, "none of this program's fixed addresses is free here");
    return NULL;
}

static void exec_body(void *argument) {
    char address[32], fd[16];
    snprintf(address, sizeof address, "%#lx", (unsigned long)(uintptr_t)argument);
    snprintf(fd, sizeof fd, "%d", child_counts_fd);
    char *const arguments[] = {"mseal_conformance", "--after-exec", address, fd, NULL};
    fflush(stdout);
    execv("/proc/self/exe", arguments);
    fail("exec_ends_the_seals", "expected execv of /proc/self/exe to work got -1 %s", errno_name(errno));
}

/* The exec'd image's side; returns the exit status. */
static int after_exec(const char *address_text, const char *fd_text) {
    char *end = NULL;
    unsigned long address = strtoul(address_text, &end, 0);
    long fd = strtol(fd_text, NULL, 10);
    if (*end != '\0' || address == 0 || address % pg != 0 || fd < 0) {
        fprintf(stderr, "mseal_conformance: --after-exec needs a page address and a descriptor (got \"%s\" \"%s\")\n",
                address_text, fd_text);
        return 2;
    }
    char *p = (char *)address;
    struct result mapped =
        CALL(mmap(p, pg, PROT_READ | PROT_WRITE, MAP_FIXED_NOREPLACE | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (mapped.value != (long)address) {
        skip("exec_ends_the_seals", "the address the parent sealed is not free in the new image (%s)",
             describe(mapped));
    } else {
        expect_value("exec_ends_the_seals_mprotect", CALL(mprotect(p, pg, PROT_READ)), 0);
        expect_true("exec_ends_the_seals_not_sealed", !is_sealed(p, pg), "an unsealed page", "a sealed page");
        expect_success("exec_ends_the_seals_mmap_fixed",
                       CALL(mmap(p, pg, PROT_READ, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)));
        expect_value("exec_ends_the_seals_munmap", CALL(munmap(p, pg)), 0);
        /* The new image can seal again. */
        if (mmap(p, pg, PROT_READ, MAP_FIXED_NOREPLACE | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == p) {
            expect_value("exec_new_image_can_seal", CALL(raw_mseal(p, pg, 0)), 0);
            expect_error("exec_new_image_seal_holds", CALL(munmap(p, pg)), EPERM);
        } else {
            fail("exec_new_image_can_seal", "expected the address to be free again got it taken");
        }
    }
    fflush(stdout);
    int mine[3] = {passed, failed, skipped};
    return write((int)fd, mine, sizeof mine) == (ssize_t)sizeof mine ? 0 : 1;
}

static void check_in_children(void) {
    in_child("brk_shrinking_into_a_sealed_heap_refused", brk_body, NULL);

    struct fork_target target = {map_sealed("fork_child_keeps_seals", 1, PROT_READ, 'K'),
                                 map_anonymous("fork_child_keeps_seals", 1, PROT_READ, 'k')};
    if (target.sealed == NULL || target.unsealed == NULL) return;
    in_child("fork_child_keeps_seals", fork_body, &target);
    expect_intact("fork_parent_sealed_page_intact", target.sealed, 1, 'K');

    char *fixed = map_sealed_at_a_fixed_address("exec_ends_the_seals");
    if (fixed != NULL) {
        in_child("exec_ends_the_seals", exec_body, fixed);
        expect_intact("exec_parent_keeps_its_seal", fixed, 1, 0);
    }
}

/* Sealing the middle page of three leaves its neighbours fully usable. */
static void check_neighbours(void) {
    char *p = map_anonymous("neighbours_of_a_seal", 4, PROT_READ, 'n');
    if (p == NULL || raw_mseal(p + pg, pg, 0) != 0) {
        if (p != NULL)
            fail("neighbours_of_a_seal", "expected the setup mseal to return 0 got -1 %s", errno_name(errno));
        return;
    }
    expect_value("neighbour_before_mprotect", CALL(mprotect(p, pg, PROT_READ | PROT_WRITE)), 0);
    p[0] = 'w'; /* it really is writable now */
    expect_value("neighbour_before_munmap", CALL(munmap(p, pg)), 0);
    expect_true("neighbour_before_unmapped", !is_mapped(p), "the page unmapped", "it still mapped");
    expect_success("neighbour_after_mmap_fixed",
                   CALL(mmap(p + 2 * pg, pg, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)));
    expect_value("neighbour_after_madvise_DONTNEED", CALL(madvise(p + 3 * pg, pg, MADV_DONTNEED)), 0);
    expect_value("neighbour_after_munmap", CALL(munmap(p + 2 * pg, 2 * pg)), 0);
    expect_intact("neighbours_changes_leave_the_seal", p + pg, 1, 'n');
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pg = (size_t)sysconf(_SC_PAGESIZE);
    if (argc == 4 && strcmp(argv[1], "--after-exec") == 0) return after_exec(argv[2], argv[3]);
    if (argc > 1) {
        fprintf(stderr, "mseal_conformance: takes no arguments (got \"%s\")\n", argv[1]);
        return 2;
    }

    struct result probe = CALL(raw_mseal(NULL, 0, 0));
    if (is_error(probe, ENOSYS)) {
        printf("mseal is not supported here: syscall(462, NULL, 0, 0) failed with ENOSYS (needs Linux 6.10+, "
               "64-bit); nothing to check\n");
        return 77;
    }
    if (!expect_value("probe_null_len0", probe, 0)) return 1;

    check_arguments();
    check_mprotect();
    check_pkey_mprotect();
    check_munmap();
    check_mmap();
    check_mremap();
    check_remap_file_pages();
    check_madvise();
    check_process_madvise();
    check_shm();
    check_threads();
    check_in_children();
    check_neighbours();

    printf("mseal conformance summary: %d passed, %d failed, %d skipped\n", passed, failed, skipped);
    return failed == 0 ? 0 : 1;
}
