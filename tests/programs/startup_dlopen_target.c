/*
 * startup_dlopen_target LIBRARY: a constructor dlopen()s LIBRARY before
 * main, so under libsealkit-preload.so the library is already loaded when
 * startup sealing runs. It was not loaded at program start and is not
 * RTLD_NODELETE, so it must be left unsealed: dlclose must still be able to
 * unmap it. main checks exactly that.
 *
 * Exit status: 0 the library was unsealed and dlclose unmapped it,
 *              1 it was sealed or stayed mapped, 2 setup error.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *handle;
static char library_path[4096];

__attribute__((constructor)) static void open_early(void) {
    const char *path = getenv("TARGET_LIBRARY");
    if (path == NULL) return;
    snprintf(library_path, sizeof library_path, "%s", path);
    handle = dlopen(library_path, RTLD_NOW | RTLD_LOCAL);
}

/* Counts the mappings of path in /proc/self/smaps, and how many are sealed. */
static void count_mappings(const char *path, int *mapped, int *sealed) {
    FILE *smaps = fopen("/proc/self/smaps", "r");
    char line[8192];
    int inside = 0;
    *mapped = *sealed = 0;
    while (smaps && fgets(line, sizeof line, smaps)) {
        line[strcspn(line, "\n")] = '\0';
        size_t n = strlen(line), m = strlen(path);
        int header = line[0] && strspn(line, "0123456789abcdef") > 0 && line[strspn(line, "0123456789abcdef")] == '-';
        if (header) {
            inside = n >= m && strcmp(line + n - m, path) == 0;
            if (inside) ++*mapped;
        } else if (inside && strncmp(line, "VmFlags:", 8) == 0 && strstr(line, " sl")) {
            ++*sealed;
        }
    }
    if (smaps) fclose(smaps);
}

int main(void) {
    if (handle == NULL) {
        fprintf(stderr, "constructor could not dlopen TARGET_LIBRARY: %s\n", dlerror());
        return 2;
    }
    char resolved[4096];
    if (!realpath(library_path, resolved)) return 2;
    int mapped, sealed;
    count_mappings(resolved, &mapped, &sealed);
    printf("before dlclose: %d mappings, %d sealed\n", mapped, sealed);
    if (mapped == 0) return 2;
    if (sealed != 0) return 1;
    if (dlclose(handle) != 0) return 1;
    count_mappings(resolved, &mapped, &sealed);
    printf("after dlclose: %d mappings\n", mapped);
    return mapped == 0 ? 0 : 1;
}
