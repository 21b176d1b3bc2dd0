/*
 * only_marked_program (carries GNU_PROPERTY_MEMORY_SEAL) and
 * only_unmarked_program (does not), both linked with the marked and the
 * unmarked library: print, for the program, each library and libc, whether
 * the page of text holding one of its functions is sealed. The probe is
 * mprotect to the protection the page already has: it changes nothing, and
 * a seal refuses it with EPERM on either backend (a seal refuses mprotect
 * even to the same protection).
 *
 *     only_marked_program  ->  program sealed / marked-library sealed / unmarked-library unsealed / libc unsealed
 *
 * Exit status 0, or 2 when a probe fails for another reason.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "marked_note.h"

int marked_library_function(int x);
int unmarked_library_function(int x);

static int report(const char *name, const void *code) {
    void *page = (void *)((uintptr_t)code & ~(uintptr_t)4095);
    if (mprotect(page, 4096, PROT_READ | PROT_EXEC) == 0) {
        printf("%s unsealed\n", name);
        return 0;
    }
    if (errno == EPERM) {
        printf("%s sealed\n", name);
        return 0;
    }
    printf("%s probe failed: %s\n", name, strerror(errno));
    return 2;
}

int main(void) {
    int status = 0;
    status |= report("program", (const void *)main);
    status |= report("marked-library", (const void *)marked_library_function);
    status |= report("unmarked-library", (const void *)unmarked_library_function);
    status |= report("libc", dlsym(RTLD_DEFAULT, "printf"));
    return status;
}
