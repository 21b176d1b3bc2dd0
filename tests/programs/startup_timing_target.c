/*
 * startup_timing_target: records, from each stage of start-up, whether its
 * own text is sealed yet. Under libsealkit-preload.so the answer shows when
 * startup sealing happens relative to preinit_array entries, constructors
 * and main, and that a constructor may still change its own mappings.
 *
 * Prints "STAGE sealed|unsealed" lines, then "constructor-mprotect ok|errno".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sealkit/sealkit.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static char log_text[512];
static size_t log_used;

static void note(const char *stage) {
    /* Page of this very function: the executable's text. */
    void *page = (void *)((unsigned long)(void *)note & ~4095UL);
    int sealed = sealkit_is_sealed(page, 4096);
    log_used += (size_t)snprintf(log_text + log_used, sizeof log_text - log_used, "%s %s\n", stage,
                                 sealed == 1 ? "sealed" : "unsealed");
}

static void preinit(int argc, char **argv, char **envp) {
    (void)argc, (void)argv, (void)envp;
    note("preinit_array");
}
__attribute__((section(".preinit_array"), used)) static void (*preinit_entry)(int, char **, char **) = preinit;

/* A constructor that changes its own mappings, as some libraries do at
 * load time (self-patching, guard pages). It must still work. */
static char scratch[3 * 4096] __attribute__((aligned(4096)));
static int constructor_mprotect_error;

__attribute__((constructor)) static void constructor(void) {
    note("constructor");
    constructor_mprotect_error = mprotect(scratch + 4096, 4096, PROT_READ) == 0 ? 0 : errno;
    if (constructor_mprotect_error == 0) mprotect(scratch + 4096, 4096, PROT_READ | PROT_WRITE);
}

int main(void) {
    note("main");
    fputs(log_text, stdout);
    printf("constructor-mprotect %s\n", constructor_mprotect_error ? strerror(constructor_mprotect_error) : "ok");
    int main_error = mprotect(scratch + 4096, 4096, PROT_READ) == 0 ? 0 : errno;
    printf("main-mprotect %s\n", main_error ? strerror(main_error) : "ok");
    return 0;
}
