/*
 * api_seal_table: runs sealkit_seal's errno table (the same cases as
 * tests/unit/seal_api_test.cpp) in a fresh process, so that the backend is
 * whatever SEALKIT_BACKEND chooses here. Each case runs on two identical
 * fresh layouts, one for sealkit_seal and one for the raw mseal(2) system
 * call. One line per case:
 *
 *   case NAME SEALKIT_RESULT SEALKIT_ERRNO RAW_RESULT RAW_ERRNO STATE RAW_STATE
 *
 * where a state has one character per page of the layout: S sealed (the
 * kernel refuses a same-size mremap with EPERM), u mapped and unsealed,
 * - unmapped; "." for a case without a layout. Then lines for the other
 * entry points:
 *
 *   check NAME RESULT ERRNO [STATE]
 *
 * and first "backend NAME".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sealkit/sealkit.h"

static size_t pg;

static const char *errno_name(int error) {
    if (error == 0) return "0";
    const char *name = strerrorname_np(error);
    return name != NULL ? name : "?";
}

enum addr_kind { AT_PAGE, FIXED };
enum len_kind { BYTES, PAGES, WRAP_PAST_ZERO, WRAP_TO_ZERO };

struct seal_case {
    const char *name;
    size_t pages;
    int hole; /* page index unmapped, or -1 */
    int hole2;
    enum addr_kind addr_kind;
    uintptr_t addr_value; /* page index (AT_PAGE) or an address (FIXED) */
    size_t addr_offset;
    enum len_kind len_kind;
    size_t len_value; /* bytes (BYTES) or pages (PAGES) */
    size_t len_extra;
    unsigned long flags;
};

#define KERNEL_ADDRESS 0xffff800000000000UL

/* Layouts are mapped whole first and their holes punched afterwards, so
 * that a later mapping is never placed into an earlier layout's hole. */
static uintptr_t map_layout(const struct seal_case *c) {
    if (c->pages == 0) return 0;
    char *p = mmap(NULL, c->pages * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        exit(3);
    }
    memset(p, 'L', c->pages * pg);
    return (uintptr_t)p;
}

static void punch_holes(const struct seal_case *c, uintptr_t base) {
    if (c->pages == 0) return;
    if (c->hole >= 0) munmap((char *)base + (size_t)c->hole * pg, pg);
    if (c->hole2 >= 0) munmap((char *)base + (size_t)c->hole2 * pg, pg);
}

static uintptr_t make_layout(const struct seal_case *c) {
    uintptr_t base = map_layout(c);
    punch_holes(c, base);
    return base;
}

static void state_of(uintptr_t base, size_t pages, char *out) {
    if (pages == 0) {
        strcpy(out, ".");
        return;
    }
    for (size_t i = 0; i < pages; ++i) {
        char *page = (char *)(base + i * pg);
        unsigned char vec;
        if (mincore(page, pg, &vec) != 0 && errno == ENOMEM) out[i] = '-';
        else out[i] = (mremap(page, pg, pg, 0) == MAP_FAILED && errno == EPERM) ? 'S' : 'u';
    }
    out[pages] = '\0';
}

static void *case_addr(const struct seal_case *c, uintptr_t base) {
    if (c->addr_kind == FIXED) return (void *)c->addr_value;
    return (void *)(base + c->addr_value * pg + c->addr_offset);
}

static size_t case_len(const struct seal_case *c, uintptr_t base) {
    switch (c->len_kind) {
    case BYTES: return c->len_value;
    case PAGES: return c->len_value * pg + c->len_extra;
    case WRAP_PAST_ZERO: return (size_t)0 - base + pg;
    case WRAP_TO_ZERO: return (size_t)0 - base;
    }
    return 0;
}

static void run_case(const struct seal_case *c) {
    uintptr_t a = map_layout(c), b = map_layout(c);
    punch_holes(c, a);
    punch_holes(c, b);
    errno = 0;
    int r1 = sealkit_seal(case_addr(c, a), case_len(c, a), c->flags);
    int e1 = r1 == -1 ? errno : 0;
    errno = 0;
    long r2 = syscall(462, case_addr(c, b), case_len(c, b), c->flags);
    int e2 = r2 == -1 ? errno : 0;
    char sa[64], sb[64];
    state_of(a, c->pages, sa);
    state_of(b, c->pages, sb);
    printf("case %s %d %s %ld %s %s %s\n", c->name, r1, errno_name(e1), r2, errno_name(e2), sa, sb);
}

/* Call as check(name, result, errno, state) right after the call: errno
 * is read before anything else can change it. */
static void check(const char *name, int result, int saved_errno, const char *state) {
    int error = result == -1 ? saved_errno : 0;
    printf("check %s %d %s%s%s\n", name, result, errno_name(error), state ? " " : "", state ? state : "");
}

/* Runs one call and prints its "check" line. */
#define CHECK(name, call)                 \
    do {                                  \
        errno = 0;                        \
        int result_ = (call);             \
        check(name, result_, errno, NULL); \
    } while (0)

int main(void) {
    pg = (size_t)sysconf(_SC_PAGESIZE);
    const struct seal_case cases[] = {
        {"FlagsOne", 1, -1, -1, AT_PAGE, 0, 0, PAGES, 1, 0, 1},
        {"FlagsHighBit", 1, -1, -1, AT_PAGE, 0, 0, PAGES, 1, 0, 1UL << 63},
        {"FlagsWithLengthZero", 0, -1, -1, FIXED, 0, 0, BYTES, 0, 0, 1},
        {"FlagsWithHole", 3, 1, -1, AT_PAGE, 0, 0, PAGES, 3, 0, 2},
        {"UnalignedByOne", 2, -1, -1, AT_PAGE, 0, 1, PAGES, 1, 0, 0},
        {"UnalignedWithLengthZero", 1, -1, -1, AT_PAGE, 0, 1, BYTES, 0, 0, 0},
        {"UnalignedWithHole", 3, 1, -1, AT_PAGE, 0, 8, PAGES, 3, 0, 0},
        {"LengthSizeMax", 1, -1, -1, AT_PAGE, 0, 0, BYTES, SIZE_MAX, 0, 0},
        {"LengthRoundsToZero", 1, -1, -1, AT_PAGE, 0, 0, BYTES, SIZE_MAX - 4096 + 2, 0, 0},
        {"EndWrapsPastZero", 1, -1, -1, AT_PAGE, 0, 0, WRAP_PAST_ZERO, 0, 0, 0},
        {"EndWrapsToExactlyZero", 1, -1, -1, AT_PAGE, 0, 0, WRAP_TO_ZERO, 0, 0, 0},
        {"LengthWrapsWithHole", 3, 1, -1, AT_PAGE, 0, 0, WRAP_PAST_ZERO, 0, 0, 0},
        {"NullLengthZero", 0, -1, -1, FIXED, 0, 0, BYTES, 0, 0, 0},
        {"MappedLengthZero", 1, -1, -1, AT_PAGE, 0, 0, BYTES, 0, 0, 0},
        {"UnmappedLengthZero", 3, 1, -1, AT_PAGE, 1, 0, BYTES, 0, 0, 0},
        {"NullPage", 0, -1, -1, FIXED, 0, 0, PAGES, 1, 0, 0},
        {"HoleInTheMiddle", 3, 1, -1, AT_PAGE, 0, 0, PAGES, 3, 0, 0},
        {"HoleAtTheStart", 3, 0, -1, AT_PAGE, 0, 0, PAGES, 3, 0, 0},
        {"RunsPastTheEnd", 3, 2, -1, AT_PAGE, 0, 0, PAGES, 3, 0, 0},
        {"KernelAddress", 0, -1, -1, FIXED, KERNEL_ADDRESS, 0, PAGES, 1, 0, 0},
        {"OneByteSealsTheWholePage", 2, -1, -1, AT_PAGE, 0, 0, BYTES, 1, 0, 0},
        {"PagePlusOneByte", 3, -1, -1, AT_PAGE, 0, 0, PAGES, 1, 1, 0},
        {"WholeMapping", 3, -1, -1, AT_PAGE, 0, 0, PAGES, 3, 0, 0},
        {"MiddlePage", 3, -1, -1, AT_PAGE, 1, 0, PAGES, 1, 0, 0},
    };
    printf("backend %s\n", sealkit_backend_name());
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) run_case(&cases[i]);

    /* Sealing a sealed range again: sealed first with the raw system call. */
    {
        char *p = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        syscall(462, p, pg, 0);
        char s[4];
        errno = 0;
        int r = sealkit_seal(p, pg, 0);
        int e = errno;
        state_of((uintptr_t)p, 1, s);
        check("seal_again", r, e, s);
    }
    /* A PROT_NONE page is mapped like any other. */
    {
        char *p = mmap(NULL, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        char s[4];
        errno = 0;
        int r = sealkit_seal(p, pg, 0);
        int e = errno;
        state_of((uintptr_t)p, 1, s);
        check("seal_prot_none", r, e, s);
    }
    /* mimmutable */
    {
        struct seal_case layout = {"", 2, -1, -1, AT_PAGE, 0, 0, BYTES, 0, 0, 0};
        uintptr_t p = make_layout(&layout);
        char s[8];
        errno = 0;
        int r = sealkit_mimmutable((char *)p + 100, 10);
        int e = errno;
        state_of(p, 2, s);
        check("mimmutable_page", r, e, s);

        struct seal_case holes = {"", 3, 1, -1, AT_PAGE, 0, 0, BYTES, 0, 0, 0};
        p = make_layout(&holes);
        errno = 0;
        r = sealkit_mimmutable((char *)p, 3 * pg);
        e = errno;
        state_of(p, 3, s);
        check("mimmutable_hole", r, e, s);

        CHECK("mimmutable_len0", sealkit_mimmutable((char *)p + 1, 0));
        CHECK("mimmutable_wrap", sealkit_mimmutable((char *)p, SIZE_MAX));
    }
    /* is_sealed */
    {
        struct seal_case layout = {"", 3, 2, -1, AT_PAGE, 0, 0, BYTES, 0, 0, 0};
        char *p = (char *)make_layout(&layout);
        syscall(462, p + pg, pg, 0); /* sealed without sealkit */
        CHECK("is_sealed_unsealed", sealkit_is_sealed(p, pg));
        CHECK("is_sealed_raw_sealed", sealkit_is_sealed(p + pg, pg));
        CHECK("is_sealed_partly", sealkit_is_sealed(p, 2 * pg));
        CHECK("is_sealed_hole", sealkit_is_sealed(p, 3 * pg));
        CHECK("is_sealed_len0", sealkit_is_sealed(NULL, 0));
        CHECK("is_sealed_unaligned", sealkit_is_sealed(p + 1, pg));
    }
    /* The memory helpers do not depend on the backend. */
    {
        errno = 0;
        char *p = sealkit_map_private(100);
        check("map_private", p == NULL ? -1 : 0, errno, NULL);
        if (p != NULL) {
            CHECK("protect", sealkit_protect(p, pg, PROT_READ));
            CHECK("unmap", sealkit_unmap(p, pg));
        }
    }
    return 0;
}
