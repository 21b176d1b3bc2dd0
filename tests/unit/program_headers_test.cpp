// The ELF program-header reader (src/elf) on real and hostile input: it
// must agree with the loader about this very test program, decode both
// classes and byte orders, and refuse every header that would make it read
// outside the buffer.
#include <elf.h>
#include <fcntl.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include <vector>

#include <gtest/gtest.h>

#include "elf/program_headers.h"

namespace {

using sealkit::elf::file_header;
using sealkit::elf::parse_error;
using sealkit::elf::program_header;
using sealkit::elf::program_header_table;
using sealkit::elf::read_file_header;

// A minimal little-endian ELF64 image: header, then phdrs at e_phoff.
std::vector<unsigned char> elf64(const std::vector<Elf64_Phdr> &phdrs, uint64_t phoff = sizeof(Elf64_Ehdr)) {
    std::vector<unsigned char> bytes(phoff + phdrs.size() * sizeof(Elf64_Phdr));
    Elf64_Ehdr eh{};
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_DYN;
    eh.e_machine = EM_X86_64;
    eh.e_version = EV_CURRENT;
    eh.e_entry = 0x1040;
    eh.e_phoff = phoff;
    eh.e_ehsize = sizeof(Elf64_Ehdr);
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = static_cast<Elf64_Half>(phdrs.size());
    memcpy(bytes.data(), &eh, sizeof eh);
    if (!phdrs.empty()) memcpy(bytes.data() + phoff, phdrs.data(), phdrs.size() * sizeof(Elf64_Phdr));
    return bytes;
}

Elf64_Phdr load(uint32_t flags, uint64_t offset, uint64_t vaddr, uint64_t filesz, uint64_t memsz) {
    Elf64_Phdr ph{};
    ph.p_type = PT_LOAD;
    ph.p_flags = flags;
    ph.p_offset = offset;
    ph.p_vaddr = vaddr;
    ph.p_paddr = vaddr;
    ph.p_filesz = filesz;
    ph.p_memsz = memsz;
    ph.p_align = 0x1000;
    return ph;
}

void set_u16(std::vector<unsigned char> &b, size_t at, uint16_t v) { memcpy(b.data() + at, &v, 2); }
void set_u64(std::vector<unsigned char> &b, size_t at, uint64_t v) { memcpy(b.data() + at, &v, 8); }

parse_error open_table(const std::vector<unsigned char> &bytes, program_header_table &table) {
    file_header header;
    parse_error error = read_file_header(bytes.data(), bytes.size(), &header);
    if (error != parse_error::none) return error;
    return table.open(header, bytes.data(), bytes.size());
}

TEST(ProgramHeaders, AgreesWithTheLoaderAboutThisProgram) {
    // The kernel told the loader where our program headers are; the file
    // on disk must decode to exactly those.
    const auto *loaded = reinterpret_cast<const Elf64_Phdr *>(getauxval(AT_PHDR));
    size_t loaded_count = getauxval(AT_PHNUM);
    ASSERT_NE(loaded, nullptr);
    int fd = open("/proc/self/exe", O_RDONLY);
    ASSERT_GE(fd, 0);
    std::vector<unsigned char> prefix(64 * 1024);
    ssize_t got = pread(fd, prefix.data(), prefix.size(), 0);
    close(fd);
    ASSERT_GT(got, 0);
    prefix.resize(static_cast<size_t>(got));

    file_header header;
    ASSERT_EQ(read_file_header(prefix.data(), prefix.size(), &header), parse_error::none);
    EXPECT_TRUE(header.is_64_bit);
    EXPECT_FALSE(header.big_endian);
    EXPECT_EQ(header.phnum, loaded_count);
    program_header_table table;
    ASSERT_EQ(table.open(header, prefix.data(), prefix.size()), parse_error::none);
    ASSERT_EQ(table.count(), loaded_count);
    for (size_t i = 0; i < loaded_count; ++i) {
        program_header ph;
        ASSERT_TRUE(table.get(i, &ph));
        EXPECT_EQ(ph.type, loaded[i].p_type) << i;
        EXPECT_EQ(ph.flags, loaded[i].p_flags) << i;
        EXPECT_EQ(ph.offset, loaded[i].p_offset) << i;
        EXPECT_EQ(ph.vaddr, loaded[i].p_vaddr) << i;
        EXPECT_EQ(ph.filesz, loaded[i].p_filesz) << i;
        EXPECT_EQ(ph.memsz, loaded[i].p_memsz) << i;
        EXPECT_EQ(ph.align, loaded[i].p_align) << i;
    }
    program_header past_end;
    EXPECT_FALSE(table.get(loaded_count, &past_end));
}

TEST(ProgramHeaders, DecodesSyntheticSixtyFourBitImage) {
    auto bytes = elf64({load(PF_R | PF_X, 0, 0, 0x800, 0x800), load(PF_R | PF_W, 0x1dd0, 0x2dd0, 0x230, 0x1000)});
    program_header_table table;
    ASSERT_EQ(open_table(bytes, table), parse_error::none);
    ASSERT_EQ(table.count(), 2u);
    program_header ph;
    ASSERT_TRUE(table.get(1, &ph));
    EXPECT_EQ(ph.type, static_cast<uint32_t>(PT_LOAD));
    EXPECT_EQ(ph.flags, static_cast<uint32_t>(PF_R | PF_W));
    EXPECT_EQ(ph.offset, 0x1dd0u);
    EXPECT_EQ(ph.vaddr, 0x2dd0u);
    EXPECT_EQ(ph.filesz, 0x230u);
    EXPECT_EQ(ph.memsz, 0x1000u);
}

TEST(ProgramHeaders, DecodesBigEndianThirtyTwoBitImage) {
    // Written byte by byte, as a big-endian 32-bit file would hold it.
    std::vector<unsigned char> b(sizeof(Elf32_Ehdr) + sizeof(Elf32_Phdr));
    auto put16 = [&](size_t at, uint16_t v) { b[at] = v >> 8, b[at + 1] = v & 0xff; };
    auto put32 = [&](size_t at, uint32_t v) {
        for (int i = 0; i < 4; ++i) b[at + i] = (v >> (24 - 8 * i)) & 0xff;
    };
    memcpy(b.data(), ELFMAG, SELFMAG);
    b[EI_CLASS] = ELFCLASS32;
    b[EI_DATA] = ELFDATA2MSB;
    b[EI_VERSION] = EV_CURRENT;
    put16(offsetof(Elf32_Ehdr, e_type), ET_EXEC);
    put16(offsetof(Elf32_Ehdr, e_machine), EM_PPC);
    put32(offsetof(Elf32_Ehdr, e_version), EV_CURRENT);
    put32(offsetof(Elf32_Ehdr, e_entry), 0x10000074);
    put32(offsetof(Elf32_Ehdr, e_phoff), sizeof(Elf32_Ehdr));
    put16(offsetof(Elf32_Ehdr, e_phentsize), sizeof(Elf32_Phdr));
    put16(offsetof(Elf32_Ehdr, e_phnum), 1);
    size_t ph = sizeof(Elf32_Ehdr);
    put32(ph + offsetof(Elf32_Phdr, p_type), PT_GNU_RELRO);
    put32(ph + offsetof(Elf32_Phdr, p_offset), 0x1f0c);
    put32(ph + offsetof(Elf32_Phdr, p_vaddr), 0x10011f0c);
    put32(ph + offsetof(Elf32_Phdr, p_filesz), 0xf4);
    put32(ph + offsetof(Elf32_Phdr, p_memsz), 0xf4);
    put32(ph + offsetof(Elf32_Phdr, p_flags), PF_R);
    put32(ph + offsetof(Elf32_Phdr, p_align), 1);

    file_header header;
    ASSERT_EQ(read_file_header(b.data(), b.size(), &header), parse_error::none);
    EXPECT_FALSE(header.is_64_bit);
    EXPECT_TRUE(header.big_endian);
    EXPECT_EQ(header.type, ET_EXEC);
    EXPECT_EQ(header.machine, EM_PPC);
    EXPECT_EQ(header.entry, 0x10000074u);
    program_header_table table;
    ASSERT_EQ(table.open(header, b.data(), b.size()), parse_error::none);
    program_header decoded;
    ASSERT_TRUE(table.get(0, &decoded));
    EXPECT_EQ(decoded.type, static_cast<uint32_t>(PT_GNU_RELRO));
    EXPECT_EQ(decoded.offset, 0x1f0cu);
    EXPECT_EQ(decoded.vaddr, 0x10011f0cu);
    EXPECT_EQ(decoded.memsz, 0xf4u);
    EXPECT_EQ(decoded.flags, static_cast<uint32_t>(PF_R));
}

TEST(ProgramHeaders, TruncatedHeaderIsRefused) {
    auto bytes = elf64({load(PF_R, 0, 0, 0x100, 0x100)});
    file_header header;
    EXPECT_EQ(read_file_header(nullptr, 100, &header), parse_error::truncated);
    for (size_t size : {size_t{0}, size_t{4}, size_t{EI_NIDENT - 1}, sizeof(Elf64_Ehdr) - 1})
        EXPECT_EQ(read_file_header(bytes.data(), size, &header), parse_error::truncated) << size;
    EXPECT_EQ(read_file_header(bytes.data(), sizeof(Elf64_Ehdr), &header), parse_error::none);
    // ...and the table that follows it must then be in the buffer too.
    program_header_table table;
    EXPECT_EQ(table.open(header, bytes.data(), sizeof(Elf64_Ehdr)), parse_error::headers_out_of_range);
    EXPECT_EQ(table.open(header, bytes.data(), bytes.size() - 1), parse_error::headers_out_of_range);
    EXPECT_EQ(table.count(), 0u);
    EXPECT_EQ(table.open(header, bytes.data(), bytes.size()), parse_error::none);
}

TEST(ProgramHeaders, BadIdentityIsRefused) {
    auto bytes = elf64({});
    file_header header;
    auto with = [&](size_t at, unsigned char value) {
        auto copy = bytes;
        copy[at] = value;
        return read_file_header(copy.data(), copy.size(), &header);
    };
    EXPECT_EQ(with(1, 'X'), parse_error::not_elf);
    EXPECT_EQ(with(EI_CLASS, ELFCLASSNONE), parse_error::bad_class);
    EXPECT_EQ(with(EI_CLASS, 3), parse_error::bad_class);
    EXPECT_EQ(with(EI_DATA, 0), parse_error::bad_byte_order);
    EXPECT_EQ(with(EI_DATA, 7), parse_error::bad_byte_order);
    EXPECT_EQ(with(EI_VERSION, 2), parse_error::bad_version);
    auto copy = bytes;
    copy[offsetof(Elf64_Ehdr, e_version)] = 9;
    EXPECT_EQ(read_file_header(copy.data(), copy.size(), &header), parse_error::bad_version);
    // A 32-bit class with 64-bit sized data is still a valid 32-bit header
    // whose fields are garbage: the table check must catch that instead.
    EXPECT_EQ(with(EI_CLASS, ELFCLASS32), parse_error::none);
}

TEST(ProgramHeaders, EntrySizeMustMatchTheClass) {
    auto bytes = elf64({load(PF_R, 0, 0, 0x100, 0x100)});
    program_header_table table;
    set_u16(bytes, offsetof(Elf64_Ehdr, e_phentsize), sizeof(Elf32_Phdr));
    EXPECT_EQ(open_table(bytes, table), parse_error::bad_entry_size);
    set_u16(bytes, offsetof(Elf64_Ehdr, e_phentsize), sizeof(Elf64_Phdr) + 8);
    EXPECT_EQ(open_table(bytes, table), parse_error::bad_entry_size);
    set_u16(bytes, offsetof(Elf64_Ehdr, e_phentsize), 0);
    EXPECT_EQ(open_table(bytes, table), parse_error::bad_entry_size);
}

TEST(ProgramHeaders, PhnumOverflowIsRefused) {
    auto bytes = elf64({load(PF_R, 0, 0, 0x100, 0x100)});
    program_header_table table;
    set_u16(bytes, offsetof(Elf64_Ehdr, e_phnum), PN_XNUM);
    EXPECT_EQ(open_table(bytes, table), parse_error::too_many_headers);
    // 1171 * 56 bytes is past the kernel's 64 KiB limit.
    set_u16(bytes, offsetof(Elf64_Ehdr, e_phnum), 1171);
    EXPECT_EQ(open_table(bytes, table), parse_error::too_many_headers);
    // Within the limit but more than the buffer holds.
    set_u16(bytes, offsetof(Elf64_Ehdr, e_phnum), 2);
    EXPECT_EQ(open_table(bytes, table), parse_error::headers_out_of_range);
    EXPECT_EQ(table.count(), 0u);
    program_header ph;
    EXPECT_FALSE(table.get(0, &ph));
}

TEST(ProgramHeaders, PhoffOutOfRangeIsRefused) {
    auto bytes = elf64({load(PF_R, 0, 0, 0x100, 0x100)});
    program_header_table table;
    set_u64(bytes, offsetof(Elf64_Ehdr, e_phoff), bytes.size());
    EXPECT_EQ(open_table(bytes, table), parse_error::headers_out_of_range);
    set_u64(bytes, offsetof(Elf64_Ehdr, e_phoff), bytes.size() - sizeof(Elf64_Phdr) + 1);
    EXPECT_EQ(open_table(bytes, table), parse_error::headers_out_of_range);
    // An offset so large that offset + table size wraps around to small.
    set_u64(bytes, offsetof(Elf64_Ehdr, e_phoff), UINT64_MAX - 8);
    EXPECT_EQ(open_table(bytes, table), parse_error::headers_out_of_range);
    uint64_t end;
    file_header header;
    ASSERT_EQ(read_file_header(bytes.data(), bytes.size(), &header), parse_error::none);
    EXPECT_FALSE(sealkit::elf::program_headers_end(header, &end));
    // The table may end exactly at the end of the buffer.
    set_u64(bytes, offsetof(Elf64_Ehdr, e_phoff), bytes.size() - sizeof(Elf64_Phdr));
    EXPECT_EQ(open_table(bytes, table), parse_error::none);
}

TEST(ProgramHeaders, NoProgramHeadersIsAnEmptyTable) {
    auto bytes = elf64({});
    set_u64(bytes, offsetof(Elf64_Ehdr, e_phoff), 0);
    program_header_table table;
    EXPECT_EQ(open_table(bytes, table), parse_error::none);
    EXPECT_EQ(table.count(), 0u);
}

TEST(ProgramHeaders, EveryErrorHasADescription) {
    for (int e = 0; e <= static_cast<int>(parse_error::headers_out_of_range); ++e) {
        std::string text = sealkit::elf::describe(static_cast<parse_error>(e));
        EXPECT_FALSE(text.empty());
        EXPECT_NE(text, "unknown error") << e;
    }
}

}  // namespace
