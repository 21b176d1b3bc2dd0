/*
 * autoseal_target: reports from main whether this program's own images are
 * sealed, then attacks its own text. tests/autoseal/CMakeLists.txt builds
 * it twice from this file: autoseal_target, linked with
 * libsealkit-autoseal.a, and autoseal_control, the same program without it
 * (the negative control: there every answer must be the opposite).
 *
 * Prints "NAME VALUE" lines:
 *   secure 0|1               AT_SECURE: running setuid/setgid
 *   text-sealed 0|1          this function's page of the executable's text
 *   relro-sealed 0|1|none    the executable's PT_GNU_RELRO pages
 *   libc-sealed 0|1          the page of libc's printf
 *   mprotect-text refused|allowed|ERRNO-TEXT
 *                            mprotect(text page, read-write-execute)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <link.h>
#include <sealkit/sealkit.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

static unsigned long page_size;
static unsigned long relro_start, relro_end;

static unsigned long page_down(unsigned long address) { return address & ~(page_size - 1); }

/* The first object dl_iterate_phdr reports is the executable. */
static int find_own_relro(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size, (void)data;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_GNU_RELRO) continue;
        /* The loader protects [start rounded down, end rounded down). */
        relro_start = page_down(info->dlpi_addr + ph->p_vaddr);
        relro_end = page_down(info->dlpi_addr + ph->p_vaddr + ph->p_memsz);
    }
    return 1;
}

static const char *yes_no(int answer) { return answer == 1 ? "1" : answer == 0 ? "0" : "error"; }

int main(void) {
    page_size = (unsigned long)sysconf(_SC_PAGESIZE);
    void *text = (void *)page_down((unsigned long)(void *)main);
    void *libc_text = (void *)page_down((unsigned long)(void *)printf);
    dl_iterate_phdr(find_own_relro, NULL);

    printf("secure %lu\n", getauxval(AT_SECURE));
    printf("text-sealed %s\n", yes_no(sealkit_is_sealed(text, page_size)));
    if (relro_end > relro_start)
        printf("relro-sealed %s\n", yes_no(sealkit_is_sealed((void *)relro_start, relro_end - relro_start)));
    else
        printf("relro-sealed none\n");
    printf("libc-sealed %s\n", yes_no(sealkit_is_sealed(libc_text, page_size)));

    /* The attack: make our own code writable. Put back when it worked. */
    int error = mprotect(text, page_size, PROT_READ | PROT_WRITE | PROT_EXEC) == 0 ? 0 : errno;
    if (error == 0) mprotect(text, page_size, PROT_READ | PROT_EXEC);
    printf("mprotect-text %s\n", error == 0 ? "allowed" : error == EPERM ? "refused" : strerror(error));
    return 0;
}
