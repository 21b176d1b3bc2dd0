/* libdlopen_unsealable.so: a library that late sealing cannot seal. Its
 * constructor seals the first page of its own RELRO with mseal(2), so
 * moving RELRO to anonymous memory is refused (EPERM) while the rest of the
 * RELRO is still unsealed: a sealing failure to be reported. Linked with
 * -z nodelete so the default policy tries to seal it. The RELRO spans
 * several pages (a table of pointers). Needs the kernel's mseal. */
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

const char *dlopen_library_tag(void) { return "unsealable"; }

/* Pointers to relocate: .data.rel.ro, 3 pages on x86_64. */
const void *const dlopen_relro_table[1536] = {[0 ... 1535] = (const void *)&dlopen_library_tag};

static int seal_first_relro_page(struct dl_phdr_info *info, size_t size, void *context) {
    (void)size;
    (void)context;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_GNU_RELRO) continue;
        uintptr_t start = info->dlpi_addr + ph->p_vaddr;
        uintptr_t table = (uintptr_t)dlopen_relro_table;
        if (table < start || table >= start + ph->p_memsz) continue;
        uintptr_t page = (start + 4095) & ~(uintptr_t)4095;  /* a whole page inside it */
        syscall(462, page, 4096, 0);
        return 1;
    }
    return 0;
}

__attribute__((constructor)) static void seal_part_of_own_relro(void) {
    dl_iterate_phdr(seal_first_relro_page, NULL);
}
