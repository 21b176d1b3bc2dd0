/*
 * dlopen_target: what the dlopen-policy tests (tests/cli/run_dlopen_test.cpp)
 * run under `sealkit run --dlopen=MODE`. Each command prints key=value
 * lines; the tests compare them across modes and with a plain run.
 *
 *   open LIBRARY [nodelete]  dlopen (RTLD_NOW, + RTLD_NODELETE), whether its
 *                            text is sealed (mprotect refused with EPERM),
 *                            whether it is still mapped after dlclose, and
 *                            whether it opens again
 *   runpath OPENER           dlopen OPENER (a library with a RUNPATH) and let
 *                            it dlopen a bare name: which library was found;
 *                            then one more dlopen through the preload, and
 *                            whether the found library is sealed now
 *   missing                  a failed dlopen and an RTLD_NOLOAD that finds
 *                            nothing: what dlerror() says
 *   dlmopen LIBRARY          dlmopen LIBRARY into a new namespace: its tag,
 *                            and whether it is sealed (never: passed on)
 *   threads PLAIN NODELETE   4 threads open and close PLAIN and open NODELETE
 *                            200 times each at once: all done, and whether
 *                            NODELETE is sealed at the end
 *
 * This program carries a DT_RPATH to rpath_dir, where a decoy
 * libdlopen_choice.so lives: a search made from the preload (which has no
 * RUNPATH) would find that one.
 *
 * Exit status: 0 done, 2 setup error.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef const char *(*tag_function)(void);

static int text_is_sealed(const void *code) {
    uintptr_t page = (uintptr_t)code & ~(uintptr_t)(sysconf(_SC_PAGESIZE) - 1);
    /* The same protection it has: harmless when allowed, refused when sealed. */
    if (mprotect((void *)page, 1, PROT_READ | PROT_EXEC) == 0) return 0;
    return errno == EPERM;
}

static int is_mapped(const char *path) {
    char resolved[4096], line[8192];
    if (realpath(path, resolved) == NULL) return 0;
    FILE *maps = fopen("/proc/self/maps", "r");
    int found = 0;
    while (maps && fgets(line, sizeof line, maps)) {
        line[strcspn(line, "\n")] = '\0';
        size_t n = strlen(line), m = strlen(resolved);
        if (n >= m && strcmp(line + n - m, resolved) == 0) found = 1;
    }
    if (maps) fclose(maps);
    return found;
}

static int open_library(const char *path, int nodelete) {
    void *handle = dlopen(path, RTLD_NOW | (nodelete ? RTLD_NODELETE : 0));
    if (handle == NULL) {
        fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
        return 2;
    }
    tag_function tag = (tag_function)dlsym(handle, "dlopen_library_tag");
    if (tag == NULL) return 2;
    printf("tag=%s\n", tag());
    printf("sealed=%d\n", text_is_sealed((const void *)tag));
    printf("dlclose=%d\n", dlclose(handle));
    printf("mapped_after_dlclose=%d\n", is_mapped(path));
    void *again = dlopen(path, RTLD_NOW);
    printf("reopened=%d\n", again != NULL && dlsym(again, "dlopen_library_tag") != NULL);
    return 0;
}

static int open_through_runpath(const char *opener) {
    void *handle = dlopen(opener, RTLD_NOW);
    if (handle == NULL) {
        fprintf(stderr, "dlopen %s: %s\n", opener, dlerror());
        return 2;
    }
    tag_function (*open_choice)(void) = (tag_function(*)(void))dlsym(handle, "dlopen_open_choice");
    if (open_choice == NULL) return 2;
    tag_function tag = open_choice();
    printf("found=%s\n", tag ? tag() : "nothing");
    if (tag == NULL) return 0;
    /* Any dlopen through the preload catches up on what the opener loaded. */
    void *self = dlopen(NULL, RTLD_NOW);
    void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    if (libc) dlclose(libc);
    if (self) dlclose(self);
    printf("choice_sealed=%d\n", text_is_sealed((const void *)tag));
    return 0;
}

static int fail_to_open(void) {
    void *missing = dlopen("libsealkit-no-such-library.so", RTLD_NOW);
    printf("missing=%p error=%s\n", missing, dlerror());
    void *absent = dlopen("/nonexistent/libsealkit-absent.so", RTLD_NOW | RTLD_NOLOAD);
    printf("noload=%p error=%s\n", absent, dlerror());
    void *ok = dlopen("libc.so.6", RTLD_NOW);
    printf("after_success=%s\n", dlerror() == NULL ? "no error" : "an error");
    if (ok) dlclose(ok);
    return 0;
}

struct thread_work {
    const char *plain, *nodelete;
    int failures;
};

static void *open_and_close(void *argument) {
    struct thread_work *work = argument;
    for (int i = 0; i < 200; ++i) {
        void *plain = dlopen(work->plain, RTLD_NOW);
        void *nodelete = dlopen(work->nodelete, RTLD_NOW);
        if (plain == NULL || nodelete == NULL) ++work->failures;
        if (plain) dlclose(plain);
        if (nodelete) dlclose(nodelete);
    }
    return NULL;
}

static int open_in_threads(const char *plain, const char *nodelete) {
    pthread_t threads[4];
    struct thread_work work[4];
    for (int i = 0; i < 4; ++i) {
        work[i] = (struct thread_work){plain, nodelete, 0};
        if (pthread_create(&threads[i], NULL, open_and_close, &work[i]) != 0) return 2;
    }
    int failures = 0;
    for (int i = 0; i < 4; ++i) {
        pthread_join(threads[i], NULL);
        failures += work[i].failures;
    }
    printf("failures=%d\n", failures);
    void *handle = dlopen(nodelete, RTLD_NOW | RTLD_NOLOAD);
    tag_function tag = handle ? (tag_function)dlsym(handle, "dlopen_library_tag") : NULL;
    printf("nodelete_sealed=%d\n", tag ? text_is_sealed((const void *)tag) : -1);
    return 0;
}

static int open_in_new_namespace(const char *path) {
    void *handle = dlmopen(LM_ID_NEWLM, path, RTLD_NOW);
    if (handle == NULL) {
        fprintf(stderr, "dlmopen %s: %s\n", path, dlerror());
        return 2;
    }
    tag_function tag = (tag_function)dlsym(handle, "dlopen_library_tag");
    if (tag == NULL) return 2;
    printf("tag=%s\n", tag());
    printf("sealed=%d\n", text_is_sealed((const void *)tag));
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "dlmopen") == 0) return open_in_new_namespace(argv[2]);
    if (argc == 4 && strcmp(argv[1], "threads") == 0) return open_in_threads(argv[2], argv[3]);
    if (argc >= 3 && strcmp(argv[1], "open") == 0)
        return open_library(argv[2], argc >= 4 && strcmp(argv[3], "nodelete") == 0);
    if (argc == 3 && strcmp(argv[1], "runpath") == 0) return open_through_runpath(argv[2]);
    if (argc == 2 && strcmp(argv[1], "missing") == 0) return fail_to_open();
    fprintf(stderr, "usage: dlopen_target open LIBRARY [nodelete] | runpath OPENER | missing | dlmopen LIBRARY | threads PLAIN NODELETE\n");
    return 2;
}
