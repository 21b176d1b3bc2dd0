/*
 * startup_mutable_target: a program with one page of data that can be
 * marked mutable, between two pages that are not. As built it has no
 * mutable header; the build makes two copies with one
 * (tests/attacks/CMakeLists.txt, tests/attacks/mark_mutable_range.c):
 * startup_gnu_mutable_target with PT_GNU_MUTABLE (0x6474f555) and
 * startup_openbsd_mutable_target with PT_OPENBSD_MUTABLE (0x65a3dbe5), both
 * over the page mutable_page.
 *
 * It prints the mutable header it carries and then, for each page (mutable,
 * before, after), whether mprotect, mremap (a move away and, for the mutable
 * page, back) and munmap work on it: "ok" or strerror. Under `sealkit run`
 * the mutable page of a marked copy must stay changeable and its neighbours
 * refuse with EPERM (without a header, every page refuses); started directly
 * every call works.
 *
 *     startup_gnu_mutable_target   ->  header 0x6474f555 / mutable-mprotect ok / before-munmap ok / ...
 *
 * Exit status 0, or 2 when its pages are not laid out as it needs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

/* The three pages in this order, one section: C gives no order between
 * variables, an assembler block does. */
__asm__(".pushsection sealkit_pages,\"aw\",@progbits\n"
        ".balign 4096\n"
        ".globl sealed_before\n.type sealed_before,@object\n.size sealed_before,4096\n"
        "sealed_before: .fill 4096,1,1\n"
        ".globl mutable_page\n.type mutable_page,@object\n.size mutable_page,4096\n"
        "mutable_page: .fill 4096,1,2\n"
        ".globl sealed_after\n.type sealed_after,@object\n.size sealed_after,4096\n"
        "sealed_after: .fill 4096,1,3\n"
        ".popsection\n");
extern unsigned char sealed_before[4096], mutable_page[4096], sealed_after[4096];

static char results[2048];
static size_t used;

static void note(const char *what, int status) {
    used += (size_t)snprintf(results + used, sizeof results - used, "%s %s\n", what,
                             status == 0 ? "ok" : strerror(status));
}

static int call_status(long result) { return result == -1 ? errno : 0; }

static int find_mutable_header(struct dl_phdr_info *info, size_t size, void *out) {
    (void)size;
    if (info->dlpi_name != NULL && info->dlpi_name[0] != '\0') return 0;  /* the program itself only */
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        unsigned type = info->dlpi_phdr[i].p_type;
        uintptr_t start = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
        if ((type == 0x6474f555 || type == 0x65a3dbe5) && start == (uintptr_t)mutable_page) *(unsigned *)out = type;
    }
    return 1;
}

/* mprotect, a move away with mremap, and munmap of one page; the mutable
 * page is moved back before munmap, so each call acts on mapped memory. */
static void change(const char *name, unsigned char *page, void *spare) {
    char what[64];
    snprintf(what, sizeof what, "%s-mprotect", name);
    note(what, call_status(mprotect(page, 4096, PROT_READ)));
    snprintf(what, sizeof what, "%s-mremap", name);
    void *moved = mremap(page, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, spare);
    int status = moved == MAP_FAILED ? errno : 0;
    if (status == 0 && page == mutable_page) {
        moved = mremap(spare, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, page);
        status = moved == MAP_FAILED ? errno : 0;
        if (status == 0 && page[0] != 2) status = EIO;  /* the page came back with other bytes */
    }
    note(what, status);
    snprintf(what, sizeof what, "%s-munmap", name);
    note(what, call_status(munmap(page, 4096)));
}

int main(void) {
    if (sealed_before + 4096 != mutable_page || mutable_page + 4096 != sealed_after) {
        fprintf(stderr, "startup_mutable_target: the linker did not put the pages back to back (%p %p %p)\n",
                (void *)sealed_before, (void *)mutable_page, (void *)sealed_after);
        return 2;
    }
    unsigned header = 0;
    dl_iterate_phdr(find_mutable_header, &header);
    /* Spare pages to move into (mremap with MREMAP_FIXED replaces them). */
    unsigned char *spare = mmap(NULL, 3 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (spare == MAP_FAILED) return 2;
    change("mutable", mutable_page, spare);
    change("before", sealed_before, spare + 4096);
    change("after", sealed_after, spare + 2 * 4096);
    printf("header %#x\n%s", header, results);
    return 0;
}
