/* What a program exec'd from a sealed one does at the sealed addresses
 * (tests/unit/exec_guard_test.cpp):
 *
 *   exec_guard_child map ADDR LEN    MAP_FIXED a fresh mapping over
 *       [ADDR, ADDR+LEN), mprotect it, munmap it: exit 0 when all three
 *       succeed, else 1 with one line naming the call and errno.
 *   exec_guard_child seal ADDR LEN   map there, seal with sealkit_seal
 *       (the backend comes from SEALKIT_BACKEND), check mprotect and munmap
 *       are refused with EPERM (exit 2 if not), then exec
 *       "exec_guard_child map" there and exit with its status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sealkit/sealkit.h"

static int map_fixed(void *addr, size_t len) {
    void *p = mmap(addr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (p != addr) {
        printf("mmap MAP_FIXED at %p: %s\n", addr, strerror(errno));
        return 1;
    }
    memset(addr, 1, len);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: exec_guard_child map|seal ADDR LEN\n");
        return 64;
    }
    void *addr = (void *)strtoul(argv[2], NULL, 0);
    size_t len = strtoul(argv[3], NULL, 0);
    if (strcmp(argv[1], "map") == 0) {
        if (map_fixed(addr, len)) return 1;
        if (mprotect(addr, len, PROT_READ) != 0) {
            printf("mprotect at %p: %s\n", addr, strerror(errno));
            return 1;
        }
        if (munmap(addr, len) != 0) {
            printf("munmap at %p: %s\n", addr, strerror(errno));
            return 1;
        }
        return 0;
    }
    if (strcmp(argv[1], "seal") == 0) {
        if (map_fixed(addr, len)) return 1;
        if (sealkit_seal(addr, len, 0) != 0) {
            printf("sealkit_seal at %p: %s\n", addr, strerror(errno));
            return 2;
        }
        if (mprotect(addr, len, PROT_READ) == 0 || errno != EPERM) {
            printf("mprotect of the new seal was not refused with EPERM\n");
            return 2;
        }
        if (munmap(addr, len) == 0 || errno != EPERM) {
            printf("munmap of the new seal was not refused with EPERM\n");
            return 2;
        }
        fflush(stdout);
        execl("/proc/self/exe", "exec_guard_child", "map", argv[2], argv[3], (char *)NULL);
        printf("exec: %s\n", strerror(errno));
        return 3;
    }
    fprintf(stderr, "exec_guard_child: unknown mode '%s'\n", argv[1]);
    return 64;
}
