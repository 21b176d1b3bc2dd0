/*
 * api_c_consumer: a plain C program using libsealkit.so's whole C API.
 * linkage_test runs it: that it builds (as C, linked against the shared
 * library) and runs without libstdc++ is the test. Prints "result ok" and
 * exits 0, or names the failed step on stderr and exits non-zero.
 */
#ifdef __cplusplus
#error "api_c_consumer must be compiled as C"
#endif
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "sealkit/sealkit.h"

static int failed(int code, const char *step) {
    fprintf(stderr, "api_c_consumer: %s (errno %d: %s)\n", step, errno, strerror(errno));
    return code;
}

#define STR2(x) #x
#define STR(x) STR2(x)

int main(void) {
    if (strcmp(sealkit_version(),
               STR(SEALKIT_VERSION_MAJOR) "." STR(SEALKIT_VERSION_MINOR) "." STR(SEALKIT_VERSION_PATCH)) != 0)
        return failed(10, "sealkit_version does not match the header");
    if (sealkit_backend() != SEALKIT_BACKEND_KERNEL || strcmp(sealkit_backend_name(), "kernel") != 0)
        return failed(11, "expected the kernel backend");
    if (sealkit_backend_reason() == NULL || sealkit_backend_reason()[0] == '\0')
        return failed(12, "no backend reason");

    char *p = sealkit_map_private(100);
    if (p == NULL) return failed(13, "sealkit_map_private");
    strcpy(p, "sealed from C");
    if (sealkit_protect(p, 4096, PROT_READ) != 0) return failed(14, "sealkit_protect");
    if (sealkit_is_sealed(p, 4096) != 0) return failed(15, "sealkit_is_sealed before sealing");
    if (sealkit_seal(p, 4096, 0) != 0) return failed(16, "sealkit_seal");
    if (sealkit_is_sealed(p, 4096) != 1) return failed(17, "sealkit_is_sealed after sealing");
    if (mprotect(p, 4096, PROT_READ | PROT_WRITE) != -1 || errno != EPERM) return failed(18, "mprotect not refused");
    if (sealkit_protect(p, 4096, PROT_READ) != -1 || errno != EPERM) return failed(19, "sealkit_protect not EPERM");
    if (sealkit_unmap(p, 4096) != -1 || errno != EPERM) return failed(20, "sealkit_unmap not EPERM");
    if (strcmp(p, "sealed from C") != 0) return failed(21, "contents changed");

    char *q = sealkit_map_private(4096);
    if (q == NULL || sealkit_mimmutable(q + 10, 1) != 0 || sealkit_is_sealed(q, 4096) != 1)
        return failed(22, "sealkit_mimmutable");
    errno = 0;
    if (sealkit_seal(p + 1, 4096, 0) != -1 || errno != EINVAL) return failed(23, "unaligned seal not EINVAL");

    /* Nothing of libstdc++ may be loaded into a C program using sealkit. */
    FILE *maps = fopen("/proc/self/maps", "r");
    if (maps == NULL) return failed(24, "open /proc/self/maps");
    char line[4096];
    while (fgets(line, sizeof line, maps) != NULL) {
        if (strstr(line, "libstdc++") != NULL || strstr(line, "libgcc_s") != NULL) {
            errno = 0;
            fprintf(stderr, "loaded: %s", line);
            return failed(25, "a C++ runtime library is loaded");
        }
    }
    fclose(maps);
    printf("result ok\n");
    return 0;
}
