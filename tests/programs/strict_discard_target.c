/*
 * strict_discard_target SEGMENT: discards its own file-backed SEGMENT
 * ("text" or "rodata") with MADV_DONTNEED, to be run under `sealkit run`
 * with and without --relro=strict. The kernel's seal lets a sealed private
 * file mapping be discarded (the pages revert to the bytes on disk, which
 * for text are the same bytes); a strict seal refuses it, as OpenBSD's
 * mimmutable does.
 *
 * Prints "seccomp N" (the Seccomp: field of /proc/self/status: 0 when no
 * filter was installed) and then the verdict.
 *
 * Exit status: 0 the discard was refused with EPERM, 1 it succeeded,
 *              3 refused with another errno, 2 usage or setup error.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct range {
    uintptr_t start, end;
};

static struct range own_text, own_rodata;

static int find_own_segments(struct dl_phdr_info *info, size_t size, void *unused) {
    (void)size;
    (void)unused;
    if (info->dlpi_name != NULL && info->dlpi_name[0] != '\0') return 0;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD) continue;
        uintptr_t start = (info->dlpi_addr + ph->p_vaddr) & ~(uintptr_t)4095;
        uintptr_t end = (info->dlpi_addr + ph->p_vaddr + ph->p_filesz + 4095) & ~(uintptr_t)4095;
        if (ph->p_flags & PF_X) own_text = (struct range){start, end};
        else if (ph->p_flags == PF_R && ph->p_offset != 0) own_rodata = (struct range){start, end};
    }
    return 1;
}

static void print_seccomp_mode(void) {
    FILE *status = fopen("/proc/self/status", "r");
    char line[256];
    while (status && fgets(line, sizeof line, status))
        if (strncmp(line, "Seccomp:", 8) == 0) printf("seccomp %d\n", atoi(line + 8));
    if (status) fclose(status);
}

int main(int argc, char **argv) {
    if (argc != 2 || (strcmp(argv[1], "text") != 0 && strcmp(argv[1], "rodata") != 0)) {
        fprintf(stderr, "usage: %s text|rodata\n", argv[0]);
        return 2;
    }
    dl_iterate_phdr(find_own_segments, NULL);
    struct range target = strcmp(argv[1], "text") == 0 ? own_text : own_rodata;
    if (target.start == 0) {
        fprintf(stderr, "no %s segment in this build\n", argv[1]);
        return 2;
    }
    print_seccomp_mode();
    fflush(stdout);
    if (madvise((void *)target.start, target.end - target.start, MADV_DONTNEED) == 0) {
        printf("discarded\n");
        return 1;
    }
    int error = errno;
    printf("refused: %s\n", strerror(error));
    return error == EPERM ? 0 : 3;
}
