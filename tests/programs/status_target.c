/*
 * status_target: a process for the `sealkit status` tests to inspect.
 *
 * It seals things whose size the tests can know independently:
 *   - every non-writable PT_LOAD segment of its own executable (its text
 *     and read-only data), but not its RELRO or writable data;
 *   - one page in the middle of its writable data (so data is "partly"
 *     sealed);
 *   - two pages in the middle of a four-page anonymous mapping.
 * It prints what it sealed as key=value lines, then "ready", and waits
 * until its stdin is closed, so a test that dies takes it along.
 *
 * Options:
 *   --mappings N    also create N separate one-page anonymous mappings
 *   --non-dumpable  prctl(PR_SET_DUMPABLE, 0) first, so only a process with
 *                   CAP_SYS_PTRACE may read its /proc/PID/smaps
 */
#define _GNU_SOURCE
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "sealkit/sealkit.h"

#define PAGE_COUNT_OF_DATA 4

/* Initialised, so it lives in the file-backed writable segment (.data),
 * and big enough to hold a whole page whatever its alignment. */
char writable_data[PAGE_COUNT_OF_DATA * 4096] = {1};
/* Zero, so it lives in .bss past the end of the file: the anonymous tail
 * that sealkit must count as part of the executable. */
char zero_data[16 * 4096];

static uintptr_t page_size;

static uintptr_t page_down(uintptr_t value) { return value & ~(page_size - 1); }
static uintptr_t page_up(uintptr_t value) { return (value + page_size - 1) & ~(page_size - 1); }

static void die(const char *what) {
    perror(what);
    exit(1);
}

struct image_seal {
    uint64_t sealed_bytes;
};

/* The first object dl_iterate_phdr reports is the main program. */
static int seal_read_only_segments(struct dl_phdr_info *info, size_t size, void *context) {
    (void)size;
    struct image_seal *result = context;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W)) continue;
        uintptr_t start = page_down(info->dlpi_addr + ph->p_vaddr);
        uintptr_t end = page_up(info->dlpi_addr + ph->p_vaddr + ph->p_memsz);
        if (sealkit_seal((void *)start, end - start, 0) != 0) die("sealkit_seal(executable segment)");
        result->sealed_bytes += end - start;
    }
    return 1; /* stop after the main program */
}

int main(int argc, char **argv) {
    page_size = (uintptr_t)sysconf(_SC_PAGESIZE);
    long extra_mappings = 0;
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--mappings") == 0 && i + 1 < argc) {
            extra_mappings = strtol(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--non-dumpable") == 0) {
            if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) die("prctl(PR_SET_DUMPABLE)");
        } else {
            fprintf(stderr, "usage: status_target [--mappings N] [--non-dumpable]\n");
            return 2;
        }
    }

    struct image_seal image = {0};
    dl_iterate_phdr(seal_read_only_segments, &image);

    /* One whole page inside writable_data. */
    uintptr_t data_page = page_up((uintptr_t)writable_data);
    if (sealkit_seal((void *)data_page, page_size, 0) != 0) die("sealkit_seal(data page)");

    /* Four anonymous pages; the middle two made read-only and sealed. */
    char *anonymous = sealkit_map_private(4 * page_size);
    if (anonymous == NULL) die("sealkit_map_private");
    if (sealkit_protect(anonymous + page_size, 2 * page_size, PROT_READ) != 0) die("sealkit_protect");
    if (sealkit_seal(anonymous + page_size, 2 * page_size, 0) != 0) die("sealkit_seal(anonymous)");

    if (extra_mappings > 0) {
        /* Alternate protections so that no two neighbours merge. */
        size_t length = (size_t)extra_mappings * page_size;
        char *many = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (many == MAP_FAILED) die("mmap(--mappings)");
        for (long i = 1; i < extra_mappings; i += 2)
            if (mprotect(many + i * page_size, page_size, PROT_READ) != 0) die("mprotect(--mappings)");
    }

    /* Touch the arrays so nothing discards them. Grow the brk heap
     * directly, so that [heap] exists whatever the allocator does (ASan's
     * never uses brk). */
    zero_data[0] = writable_data[0];
    if (sbrk((intptr_t)page_size) == (void *)-1) die("sbrk");

    printf("pid=%ld\n", (long)getpid());
    printf("page_size=%lu\n", (unsigned long)page_size);
    printf("executable_read_only_sealed_bytes=%llu\n", (unsigned long long)image.sealed_bytes);
    printf("data_sealed_bytes=%lu\n", (unsigned long)page_size);
    printf("anonymous_sealed_bytes=%lu\n", (unsigned long)(2 * page_size));
    printf("anonymous_sealed_start=%p\n", (void *)(anonymous + page_size));
    printf("ready\n");
    fflush(stdout);

    char buffer[256];
    while (fread(buffer, 1, sizeof buffer, stdin) > 0) {
    }
    return 0;
}
