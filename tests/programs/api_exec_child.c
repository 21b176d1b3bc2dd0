/*
 * api_exec_child ADDRESS LENGTH: run by fork_exec_test after its parent
 * sealed [ADDRESS, ADDRESS + LENGTH). Seals end at execve(): this fresh
 * image must be able to map that very range with MAP_FIXED_NOREPLACE, then
 * mprotect and munmap it freely. Prints "result ok" and exits 0, or names
 * the failed step on stderr and exits with the step's code.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sealkit/sealkit.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static int fail(int code, const char *step) {
    fprintf(stderr, "api_exec_child: %s: %s\n", step, strerror(errno));
    return code;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: api_exec_child ADDRESS LENGTH\n");
        return 2;
    }
    char *addr = (char *)(uintptr_t)strtoull(argv[1], NULL, 0);
    size_t len = (size_t)strtoull(argv[2], NULL, 0);

    void *p = mmap(addr, len, PROT_READ | PROT_WRITE, MAP_FIXED_NOREPLACE | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return fail(errno == EEXIST ? 10 : 11, "map the parent's sealed range (still occupied?)");
    if (p != addr) {
        errno = 0;
        return fail(11, "the kernel placed the mapping elsewhere");
    }
    for (size_t i = 0; i < len; ++i)
        if (addr[i] != 0) {
            errno = 0;
            return fail(12, "the range is not fresh zeroed memory");
        }
    memset(addr, 'n', len);
    if (sealkit_is_sealed(addr, len) != 0) return fail(13, "sealkit_is_sealed should be 0");
    if (mprotect(addr, len, PROT_READ) != 0) return fail(14, "mprotect");
    if (munmap(addr, len) != 0) return fail(15, "munmap");

    /* And this process can seal the range anew. */
    p = mmap(addr, len, PROT_READ, MAP_FIXED_NOREPLACE | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != addr) return fail(16, "map again");
    if (sealkit_seal(addr, len, 0) != 0) return fail(17, "sealkit_seal");
    if (mprotect(addr, len, PROT_READ) != -1 || errno != EPERM) return fail(18, "own seal does not hold");
    printf("result ok\n");
    return 0;
}
