/*
 * mark_mutable_range FILE SYMBOL TYPE: gives a linked 64-bit ELF program a
 * program header of TYPE (PT_GNU_MUTABLE 0x6474f555 or PT_OPENBSD_MUTABLE
 * 0x65a3dbe5) covering the pages of its data symbol SYMBOL (found in
 * .symtab; page-aligned, whole pages), so that startup sealing leaves that
 * range unsealed. GNU ld (binutils 2.40 here) writes neither header, so
 * the build does it after linking: the program's last PT_NOTE header (the
 * build-id and ABI-tag notes, which the loader does not read in an
 * executable it did not map itself) is rewritten in place; the notes'
 * bytes stay in the file. Running it again on a marked file changes nothing.
 *
 *     cp startup_mutable_target copy && mark_mutable_range copy mutable_page 0x6474f555
 *
 * Exit status 0 marked, 1 the file is not what it expects (one sentence on
 * stderr naming the file), 2 usage.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *g_file;

static int fail(const char *why) {
    fprintf(stderr, "mark_mutable_range: %s: %s\n", g_file, why);
    return 1;
}

static int read_at(int fd, void *out, size_t length, off_t offset) {
    return pread(fd, out, length, offset) == (ssize_t)length ? 0 : -1;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: mark_mutable_range FILE SYMBOL TYPE\n");
        return 2;
    }
    g_file = argv[1];
    const char *symbol_name = argv[2];
    const Elf64_Word type = (Elf64_Word)strtoul(argv[3], NULL, 0);
    int fd = open(g_file, O_RDWR);
    if (fd < 0) return fail("cannot open it for writing");

    Elf64_Ehdr eh;
    if (read_at(fd, &eh, sizeof eh, 0) != 0 || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
        eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
        eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shstrndx >= eh.e_shnum)
        return fail("not a 64-bit ELF file with program and section headers");

    /* The symbol, in .symtab, and the section that holds it. */
    Elf64_Sym symbol = {0};
    Elf64_Shdr holder = {0};
    int have_symbol = 0;
    for (unsigned i = 0; i < eh.e_shnum && !have_symbol; ++i) {
        Elf64_Shdr table, strings;
        if (read_at(fd, &table, sizeof table, (off_t)(eh.e_shoff + i * sizeof table)) != 0)
            return fail("cannot read a section header");
        if (table.sh_type != SHT_SYMTAB || table.sh_entsize != sizeof(Elf64_Sym) || table.sh_link >= eh.e_shnum)
            continue;
        if (read_at(fd, &strings, sizeof strings, (off_t)(eh.e_shoff + table.sh_link * sizeof strings)) != 0)
            return fail("cannot read the symbol names' section header");
        for (Elf64_Xword k = 0; k < table.sh_size / sizeof(Elf64_Sym) && !have_symbol; ++k) {
            char name[64] = {0};
            if (read_at(fd, &symbol, sizeof symbol, (off_t)(table.sh_offset + k * sizeof symbol)) != 0)
                return fail("cannot read a symbol");
            if (symbol.st_name >= strings.sh_size || symbol.st_shndx == SHN_UNDEF || symbol.st_shndx >= eh.e_shnum)
                continue;
            if (pread(fd, name, sizeof name - 1, (off_t)(strings.sh_offset + symbol.st_name)) <= 0) continue;
            have_symbol = strcmp(name, symbol_name) == 0;
        }
    }
    if (!have_symbol) return fail("has no such symbol in .symtab (is it stripped?)");
    if (read_at(fd, &holder, sizeof holder, (off_t)(eh.e_shoff + symbol.st_shndx * sizeof holder)) != 0)
        return fail("cannot read the header of the symbol's section");
    if (symbol.st_value % 4096 != 0 || symbol.st_size == 0 || symbol.st_size % 4096 != 0)
        return fail("the symbol is not whole pages (align it to 4096 and size it in pages)");

    /* The header to rewrite: one of TYPE already (marked before), else the last PT_NOTE. */
    long chosen = -1;
    for (unsigned i = 0; i < eh.e_phnum; ++i) {
        Elf64_Phdr ph;
        if (read_at(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + i * sizeof ph)) != 0)
            return fail("cannot read a program header");
        if (ph.p_type == type) {
            chosen = i;
            break;
        }
        if (ph.p_type == PT_NOTE) chosen = i;
    }
    if (chosen < 0) return fail("has no PT_NOTE header to turn into the mutable one");

    Elf64_Phdr mutable_header = {
        .p_type = type,
        .p_flags = PF_R | PF_W,
        .p_offset = holder.sh_type == SHT_NOBITS ? 0 : holder.sh_offset + (symbol.st_value - holder.sh_addr),
        .p_vaddr = symbol.st_value,
        .p_paddr = symbol.st_value,
        .p_filesz = holder.sh_type == SHT_NOBITS ? 0 : symbol.st_size,
        .p_memsz = symbol.st_size,
        .p_align = 4096,
    };
    if (pwrite(fd, &mutable_header, sizeof mutable_header, (off_t)(eh.e_phoff + (unsigned long)chosen * sizeof mutable_header)) !=
        (ssize_t)sizeof mutable_header)
        return fail("cannot write the program header");
    if (close(fd) != 0) return fail("cannot close it");
    return 0;
}
