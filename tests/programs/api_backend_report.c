/*
 * api_backend_report [setenv VALUE | switch VALUE]: prints which backend
 * libsealkit chose in this fresh process, and what a seal does with it.
 *
 *   (no arguments)  report the backend chosen from the inherited environment
 *   setenv VALUE    set SEALKIT_BACKEND=VALUE before the first sealkit call
 *                   (the choice is made on first use, not at load time)
 *   switch VALUE    report, then set SEALKIT_BACKEND=VALUE and report again
 *                   as *_after lines (the choice is made once per process)
 *
 * Output, one "key value" per line: kind, name, reason, seal (the result of
 * sealing a fresh page: "0" or "-1 ERRNO"), sealed (1 when the kernel then
 * refuses a same-size mremap: the page is really sealed) and is_sealed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sealkit/sealkit.h"

static const char *errno_name(int error) {
    const char *name = strerrorname_np(error);
    return name != NULL ? name : "?";
}

static void report_backend(const char *suffix) {
    printf("kind%s %d\n", suffix, sealkit_backend());
    printf("name%s %s\n", suffix, sealkit_backend_name());
    printf("reason%s %s\n", suffix, sealkit_backend_reason());

    size_t page = 4096;
    void *p = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        exit(3);
    }
    errno = 0;
    int r = sealkit_seal(p, page, 0);
    if (r == 0) printf("seal%s 0\n", suffix);
    else printf("seal%s %d %s\n", suffix, r, errno_name(errno));
    int sealed = mremap(p, page, page, 0) == MAP_FAILED && errno == EPERM;
    printf("sealed%s %d\n", suffix, sealed);
    printf("is_sealed%s %d\n", suffix, sealkit_is_sealed(p, page));
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "setenv") == 0) {
        setenv("SEALKIT_BACKEND", argv[2], 1);
        report_backend("");
    } else if (argc == 3 && strcmp(argv[1], "switch") == 0) {
        report_backend("");
        setenv("SEALKIT_BACKEND", argv[2], 1);
        report_backend("_after");
    } else if (argc == 1) {
        report_backend("");
    } else {
        fprintf(stderr, "usage: api_backend_report [setenv VALUE | switch VALUE]\n");
        return 2;
    }
    return 0;
}
