// Reads an ELF file header and its program-header table from raw bytes.
//
// The bytes come from places sealkit does not control (another process's
// memory, a file on disk, a fuzzer), so nothing in them is trusted: every
// offset, count and size is checked against the buffer before it is used,
// and arithmetic that could overflow is done in checked steps. Both ELF
// classes and both byte orders are understood, whatever the host is.
//
// This is libc-only C++ (no exceptions, no allocation, no STL) because the
// LD_PRELOAD library reuses it inside arbitrary programs. Nothing here keeps
// a copy of the bytes: a program_header_table is a view that is valid as
// long as the caller's buffer is.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace sealkit::elf {

enum class parse_error {
    none = 0,
    truncated,             // fewer bytes than the ELF header of its class needs
    not_elf,               // the first four bytes are not "\x7f" "ELF"
    bad_class,             // EI_CLASS is neither ELFCLASS32 nor ELFCLASS64
    bad_byte_order,        // EI_DATA is neither ELFDATA2LSB nor ELFDATA2MSB
    bad_version,           // EI_VERSION or e_version is not EV_CURRENT
    bad_entry_size,        // e_phentsize is not the size of this class's Phdr
    too_many_headers,      // e_phnum is PN_XNUM or the table exceeds 64 KiB
    headers_out_of_range,  // the table does not lie inside the bytes given
};

// A short English description of the error ("program headers lie outside
// the data"), for messages.
const char *describe(parse_error error);

// What sealkit needs from the ELF header, widened to 64 bits.
struct file_header {
    bool is_64_bit = false;
    bool big_endian = false;
    uint16_t type = 0;     // ET_EXEC, ET_DYN, ...
    uint16_t machine = 0;  // EM_X86_64, ...
    uint64_t entry = 0;
    uint64_t phoff = 0;    // file offset of the program-header table
    uint16_t phentsize = 0;
    uint16_t phnum = 0;
};

// One program header, widened to 64 bits (Elf32 fields are zero-extended).
struct program_header {
    uint32_t type = 0;   // PT_LOAD, PT_GNU_RELRO, ...
    uint32_t flags = 0;  // PF_R | PF_W | PF_X
    uint64_t offset = 0;
    uint64_t vaddr = 0;
    uint64_t filesz = 0;
    uint64_t memsz = 0;
    uint64_t align = 0;
};

// The kernel refuses tables larger than 64 KiB; so does sealkit.
inline constexpr uint64_t kMaxProgramHeaderBytes = 64 * 1024;

// Parses the ELF header at the start of bytes[0, size).
parse_error read_file_header(const void *bytes, size_t size, file_header *out);

// How many bytes from the start of the file must be available to read the
// whole program-header table (e_phoff + e_phnum * e_phentsize). Returns
// false when that sum overflows or the table is larger than the kernel
// allows. Lets a caller holding only a prefix of the file (one page of a
// process's memory) know whether to read more before opening the table.
bool program_headers_end(const file_header &header, uint64_t *end);

// A bounds-checked view of the program-header table inside a buffer that
// starts at file offset 0.
class program_header_table {
public:
    // Checks the header's entry size and count and that the whole table lies
    // inside bytes[0, size). On failure the table is empty.
    parse_error open(const file_header &header, const void *bytes, size_t size);

    size_t count() const { return count_; }

    // Decodes entry index; false when index >= count().
    bool get(size_t index, program_header *out) const;

private:
    const unsigned char *first_ = nullptr;
    size_t count_ = 0;
    size_t entry_size_ = 0;
    bool is_64_bit_ = false;
    bool big_endian_ = false;
};

}  // namespace sealkit::elf
