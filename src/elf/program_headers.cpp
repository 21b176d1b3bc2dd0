#include "elf/program_headers.h"

#include <elf.h>
#include <stddef.h>
#include <string.h>

#include "elf/byte_order.h"

namespace sealkit::elf {

const char *describe(parse_error error) {
    switch (error) {
    case parse_error::none: return "no error";
    case parse_error::truncated: return "too short to hold an ELF header";
    case parse_error::not_elf: return "not an ELF file";
    case parse_error::bad_class: return "unknown ELF class (neither 32- nor 64-bit)";
    case parse_error::bad_byte_order: return "unknown ELF byte order";
    case parse_error::bad_version: return "unknown ELF version";
    case parse_error::bad_entry_size: return "program-header entry size does not match the ELF class";
    case parse_error::too_many_headers: return "too many program headers";
    case parse_error::headers_out_of_range: return "program headers lie outside the data";
    }
    return "unknown error";
}

parse_error read_file_header(const void *bytes, size_t size, file_header *out) {
    *out = file_header{};
    const auto *p = static_cast<const unsigned char *>(bytes);
    if (p == nullptr || size < EI_NIDENT) return parse_error::truncated;
    if (memcmp(p, ELFMAG, SELFMAG) != 0) return parse_error::not_elf;

    bool is_64_bit;
    if (p[EI_CLASS] == ELFCLASS64) is_64_bit = true;
    else if (p[EI_CLASS] == ELFCLASS32) is_64_bit = false;
    else return parse_error::bad_class;

    bool big_endian;
    if (p[EI_DATA] == ELFDATA2LSB) big_endian = false;
    else if (p[EI_DATA] == ELFDATA2MSB) big_endian = true;
    else return parse_error::bad_byte_order;

    if (p[EI_VERSION] != EV_CURRENT) return parse_error::bad_version;
    if (size < (is_64_bit ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr))) return parse_error::truncated;

    file_header h;
    h.is_64_bit = is_64_bit;
    h.big_endian = big_endian;
    if (is_64_bit) {
        h.type = load16(p + offsetof(Elf64_Ehdr, e_type), big_endian);
        h.machine = load16(p + offsetof(Elf64_Ehdr, e_machine), big_endian);
        if (load32(p + offsetof(Elf64_Ehdr, e_version), big_endian) != EV_CURRENT) return parse_error::bad_version;
        h.entry = load64(p + offsetof(Elf64_Ehdr, e_entry), big_endian);
        h.phoff = load64(p + offsetof(Elf64_Ehdr, e_phoff), big_endian);
        h.phentsize = load16(p + offsetof(Elf64_Ehdr, e_phentsize), big_endian);
        h.phnum = load16(p + offsetof(Elf64_Ehdr, e_phnum), big_endian);
    } else {
        h.type = load16(p + offsetof(Elf32_Ehdr, e_type), big_endian);
        h.machine = load16(p + offsetof(Elf32_Ehdr, e_machine), big_endian);
        if (load32(p + offsetof(Elf32_Ehdr, e_version), big_endian) != EV_CURRENT) return parse_error::bad_version;
        h.entry = load32(p + offsetof(Elf32_Ehdr, e_entry), big_endian);
        h.phoff = load32(p + offsetof(Elf32_Ehdr, e_phoff), big_endian);
        h.phentsize = load16(p + offsetof(Elf32_Ehdr, e_phentsize), big_endian);
        h.phnum = load16(p + offsetof(Elf32_Ehdr, e_phnum), big_endian);
    }
    *out = h;
    return parse_error::none;
}

bool program_headers_end(const file_header &header, uint64_t *end) {
    // PN_XNUM means "the real count is in section header 0": a table that
    // large is beyond the kernel's 64 KiB limit anyway.
    if (header.phnum == PN_XNUM) return false;
    uint64_t table_bytes = static_cast<uint64_t>(header.phnum) * header.phentsize;  // < 2^32: no overflow
    if (table_bytes > kMaxProgramHeaderBytes) return false;
    if (header.phoff > UINT64_MAX - table_bytes) return false;
    *end = header.phoff + table_bytes;
    return true;
}

parse_error program_header_table::open(const file_header &header, const void *bytes, size_t size) {
    *this = program_header_table{};
    size_t expected_entry = header.is_64_bit ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    if (header.phnum == 0) return parse_error::none;  // legal: a relocatable object has none
    if (header.phentsize != expected_entry) return parse_error::bad_entry_size;
    uint64_t table_bytes = static_cast<uint64_t>(header.phnum) * header.phentsize;
    if (header.phnum == PN_XNUM || table_bytes > kMaxProgramHeaderBytes) return parse_error::too_many_headers;
    uint64_t end;
    if (!program_headers_end(header, &end)) return parse_error::headers_out_of_range;  // e_phoff wraps
    if (bytes == nullptr || end > size) return parse_error::headers_out_of_range;
    first_ = static_cast<const unsigned char *>(bytes) + header.phoff;
    count_ = header.phnum;
    entry_size_ = expected_entry;
    is_64_bit_ = header.is_64_bit;
    big_endian_ = header.big_endian;
    return parse_error::none;
}

bool program_header_table::get(size_t index, program_header *out) const {
    if (index >= count_) return false;
    const unsigned char *p = first_ + index * entry_size_;  // inside the buffer: checked by open()
    const bool be = big_endian_;
    program_header ph;
    if (is_64_bit_) {
        ph.type = load32(p + offsetof(Elf64_Phdr, p_type), be);
        ph.flags = load32(p + offsetof(Elf64_Phdr, p_flags), be);
        ph.offset = load64(p + offsetof(Elf64_Phdr, p_offset), be);
        ph.vaddr = load64(p + offsetof(Elf64_Phdr, p_vaddr), be);
        ph.filesz = load64(p + offsetof(Elf64_Phdr, p_filesz), be);
        ph.memsz = load64(p + offsetof(Elf64_Phdr, p_memsz), be);
        ph.align = load64(p + offsetof(Elf64_Phdr, p_align), be);
    } else {
        ph.type = load32(p + offsetof(Elf32_Phdr, p_type), be);
        ph.flags = load32(p + offsetof(Elf32_Phdr, p_flags), be);
        ph.offset = load32(p + offsetof(Elf32_Phdr, p_offset), be);
        ph.vaddr = load32(p + offsetof(Elf32_Phdr, p_vaddr), be);
        ph.filesz = load32(p + offsetof(Elf32_Phdr, p_filesz), be);
        ph.memsz = load32(p + offsetof(Elf32_Phdr, p_memsz), be);
        ph.align = load32(p + offsetof(Elf32_Phdr, p_align), be);
    }
    *out = ph;
    return true;
}

}  // namespace sealkit::elf
