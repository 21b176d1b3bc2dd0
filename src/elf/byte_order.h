// Loads 16-, 32- and 64-bit ELF fields from raw bytes in either byte order.
//
// ELF data read from a file or another process may be big- or little-endian
// whatever the host is, and a field inside a buffer may be unaligned, so the
// readers in src/elf never cast a pointer to a structure: they load each
// field byte by byte at its offsetof() in <elf.h>'s structures, for example
//
//     uint16_t type = load16(bytes + offsetof(Elf64_Ehdr, e_type), big_endian);
//
// libc-only and header-only: the core library and the CLI both use it.
#pragma once

#include <stdint.h>

namespace sealkit::elf {

inline uint16_t load16(const unsigned char *p, bool big_endian) {
    return big_endian ? static_cast<uint16_t>(p[0] << 8 | p[1]) : static_cast<uint16_t>(p[1] << 8 | p[0]);
}

inline uint32_t load32(const unsigned char *p, bool big_endian) {
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i) value = value << 8 | p[big_endian ? i : 3 - i];
    return value;
}

inline uint64_t load64(const unsigned char *p, bool big_endian) {
    uint64_t value = 0;
    for (int i = 0; i < 8; ++i) value = value << 8 | p[big_endian ? i : 7 - i];
    return value;
}

}  // namespace sealkit::elf
