// Process inspection (src/inspect) on captured smaps text: grouping into
// objects, .bss-tail attribution, segment classification from program
// headers, and the totals. ELF headers come from a fake image source, so
// every expected number here is worked out by hand from the text below.
#include <elf.h>
#include <limits.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "inspect/image_headers.h"
#include "inspect/object_layout.h"
#include "inspect/process_map.h"
#include "inspect/process_report.h"
#include "procfs/mappings_parser.h"

namespace {

using namespace sealkit::inspect;

// Captured from tests/programs/status_target on Linux 6.18 (x86_64), with
// every detail line but VmFlags dropped and paths shortened. Added by hand,
// because that kernel lacks CONFIG_ANON_VMA_NAME or had no such files
// mapped: the data file and the anonymous memory after it, the [anon:...]
// mappings, and /tmp/libold.so (an unlinked and a live copy).
constexpr const char kSmaps[] = R"(55809ac75000-55809ac76000 r--p 00000000 fe:00 5309576                    /opt/t/status_target
VmFlags: rd mr mw me sl 
55809ac76000-55809ac77000 r-xp 00001000 fe:00 5309576                    /opt/t/status_target
VmFlags: rd ex mr mw me sl 
55809ac77000-55809ac78000 r--p 00002000 fe:00 5309576                    /opt/t/status_target
VmFlags: rd mr mw me sl 
55809ac78000-55809ac79000 r--p 00002000 fe:00 5309576                    /opt/t/status_target
VmFlags: rd mr mw me ac 
55809ac79000-55809ac7a000 rw-p 00003000 fe:00 5309576                    /opt/t/status_target
VmFlags: rd wr mr mw me ac 
55809ac7a000-55809ac7b000 rw-p 00004000 fe:00 5309576                    /opt/t/status_target
VmFlags: rd wr mr mw me ac sl 
55809ac7b000-55809ac7e000 rw-p 00005000 fe:00 5309576                    /opt/t/status_target
VmFlags: rd wr mr mw me ac 
55809ac7e000-55809ac8e000 rw-p 00000000 00:00 0 
VmFlags: rd wr mr mw me ac 
5580a87b8000-5580a87d9000 rw-p 00000000 00:00 0                          [heap]
VmFlags: rd wr mr mw me ac 
7f2f37300000-7f2f37310000 r--s 00000000 fe:00 4242                       /var/cache/data.bin
VmFlags: rd mr me ms sd 
7f2f37310000-7f2f37318000 rw-p 00000000 00:00 0 
VmFlags: rd wr mr mw me ac 
7f2f37330000-7f2f37334000 rw-p 00000000 00:00 0                          [anon:cache]
VmFlags: rd wr mr mw me ac 
7f2f37334000-7f2f37336000 r--p 00000000 00:00 0                          [anon:cache]
VmFlags: rd mr mw me ac sl 
7f2f37338000-7f2f3733a000 rw-p 00000000 00:00 0                          [anon:other]
VmFlags: rd wr mr mw me ac 
7f2f37340000-7f2f37343000 rw-p 00000000 00:00 0 
VmFlags: rd wr mr mw me ac 
7f2f37343000-7f2f37369000 r--p 00000000 fe:00 332835                     /usr/lib/libc.so.6
VmFlags: rd mr mw me 
7f2f37369000-7f2f374bf000 r-xp 00026000 fe:00 332835                     /usr/lib/libc.so.6
VmFlags: rd ex mr mw me 
7f2f374bf000-7f2f37512000 r--p 0017c000 fe:00 332835                     /usr/lib/libc.so.6
VmFlags: rd mr mw me 
7f2f37512000-7f2f37516000 r--p 001cf000 fe:00 332835                     /usr/lib/libc.so.6
VmFlags: rd mr mw me ac 
7f2f37516000-7f2f37518000 rw-p 001d3000 fe:00 332835                     /usr/lib/libc.so.6
VmFlags: rd wr mr mw me ac 
7f2f37518000-7f2f37525000 rw-p 00000000 00:00 0 
VmFlags: rd wr mr mw me ac 
7f2f3752c000-7f2f3752d000 rw-p 00000000 00:00 0 
VmFlags: rd wr mr mw me ac 
7f2f3752d000-7f2f3752f000 r--p 00000000 00:00 0 
VmFlags: rd mr mw me ac sl 
7f2f3752f000-7f2f37530000 rw-p 00000000 00:00 0 
VmFlags: rd wr mr mw me ac 
7f2f37530000-7f2f37532000 r--p 00000000 fe:00 5308833                    /opt/t/libsealkit.so.0.1.0
VmFlags: rd mr mw me 
7f2f37532000-7f2f37538000 r-xp 00002000 fe:00 5308833                    /opt/t/libsealkit.so.0.1.0
VmFlags: rd ex mr mw me 
7f2f37538000-7f2f3753a000 r--p 00008000 fe:00 5308833                    /opt/t/libsealkit.so.0.1.0
VmFlags: rd mr mw me 
7f2f3753a000-7f2f3753b000 r--p 00009000 fe:00 5308833                    /opt/t/libsealkit.so.0.1.0
VmFlags: rd mr mw me ac 
7f2f3753b000-7f2f3753c000 rw-p 0000a000 fe:00 5308833                    /opt/t/libsealkit.so.0.1.0
VmFlags: rd wr mr mw me ac 
7f2f3753c000-7f2f3753f000 rw-p 00000000 00:00 0 
VmFlags: rd wr mr mw me ac 
7f2f3753f000-7f2f37543000 r--p 00000000 00:00 0                          [vvar]
VmFlags: rd mr pf io de dd sd 
7f2f37543000-7f2f37545000 r--p 00000000 00:00 0                          [vvar_vclock]
VmFlags: rd mr pf io de dd sd 
7f2f37545000-7f2f37547000 r-xp 00000000 00:00 0                          [vdso]
VmFlags: rd ex mr mw me de sd 
7f2f37547000-7f2f37548000 r--p 00000000 fe:00 332383                     /usr/lib/ld-linux-x86-64.so.2
VmFlags: rd mr mw me 
7f2f37548000-7f2f3756e000 r-xp 00001000 fe:00 332383                     /usr/lib/ld-linux-x86-64.so.2
VmFlags: rd ex mr mw me 
7f2f3756e000-7f2f37578000 r--p 00027000 fe:00 332383                     /usr/lib/ld-linux-x86-64.so.2
VmFlags: rd mr mw me 
7f2f37578000-7f2f3757a000 r--p 00031000 fe:00 332383                     /usr/lib/ld-linux-x86-64.so.2
VmFlags: rd mr mw me ac 
7f2f3757a000-7f2f3757c000 rw-p 00033000 fe:00 332383                     /usr/lib/ld-linux-x86-64.so.2
VmFlags: rd wr mr mw me ac 
7f2f37600000-7f2f37602000 r--p 00000000 fe:00 777                        /tmp/libold.so (deleted)
VmFlags: rd mr mw me 
7f2f37602000-7f2f37603000 r-xp 00002000 fe:00 777                        /tmp/libold.so (deleted)
VmFlags: rd ex mr mw me 
7f2f37700000-7f2f37701000 r--p 00000000 fe:00 778                        /tmp/libold.so
VmFlags: rd mr mw me 
7fff317b6000-7fff317d7000 rw-p 00000000 00:00 0                          [stack]
VmFlags: rd wr mr mw me gd ac 
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]
VmFlags: ex 
)";

constexpr size_t kSmapsMappings = 43;
constexpr size_t kSmapsSealedMappings = 6;

Elf64_Phdr segment(uint32_t type, uint32_t flags, uint64_t offset, uint64_t vaddr, uint64_t filesz, uint64_t memsz) {
    Elf64_Phdr ph{};
    ph.p_type = type;
    ph.p_flags = flags;
    ph.p_offset = offset;
    ph.p_vaddr = vaddr;
    ph.p_paddr = vaddr;
    ph.p_filesz = filesz;
    ph.p_memsz = memsz;
    ph.p_align = type == PT_LOAD ? 0x1000 : 1;
    return ph;
}

// A little-endian ELF64 header followed (at phoff) by phdrs.
std::vector<unsigned char> elf_image(const std::vector<Elf64_Phdr> &phdrs, uint64_t phoff = sizeof(Elf64_Ehdr)) {
    std::vector<unsigned char> bytes(phoff + phdrs.size() * sizeof(Elf64_Phdr));
    Elf64_Ehdr eh{};
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_DYN;
    eh.e_machine = EM_X86_64;
    eh.e_version = EV_CURRENT;
    eh.e_phoff = phoff;
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = static_cast<Elf64_Half>(phdrs.size());
    memcpy(bytes.data(), &eh, sizeof eh);
    memcpy(bytes.data() + phoff, phdrs.data(), phdrs.size() * sizeof(Elf64_Phdr));
    return bytes;
}

// status_target's segments, as `readelf -lW` printed them.
std::vector<Elf64_Phdr> status_target_segments() {
    return {segment(PT_LOAD, PF_R, 0, 0, 0xbd8, 0xbd8),
            segment(PT_LOAD, PF_R | PF_X, 0x1000, 0x1000, 0x719, 0x719),
            segment(PT_LOAD, PF_R, 0x2000, 0x2000, 0x340, 0x340),
            segment(PT_LOAD, PF_R | PF_W, 0x2db0, 0x3db0, 0x4330, 0x14378),
            segment(PT_GNU_RELRO, PF_R, 0x2db0, 0x3db0, 0x250, 0x250)};
}

// libsealkit.so's: its .bss ends at 0xc050, one page into the anonymous
// mapping that follows it (the kernel merged more memory onto that one).
std::vector<Elf64_Phdr> libsealkit_segments() {
    return {segment(PT_LOAD, PF_R, 0, 0, 0x1130, 0x1130),
            segment(PT_LOAD, PF_R | PF_X, 0x2000, 0x2000, 0x53d5, 0x53d5),
            segment(PT_LOAD, PF_R, 0x8000, 0x8000, 0x1bbc, 0x1bbc),
            segment(PT_LOAD, PF_R | PF_W, 0x9bf0, 0xabf0, 0x418, 0x1460),
            segment(PT_GNU_RELRO, PF_R, 0x9bf0, 0xabf0, 0x410, 0x410)};
}

class fake_image_source : public image_source {
public:
    std::map<std::string, std::vector<unsigned char>> files;
    std::vector<std::pair<std::string, size_t>> requests;

    size_t read_prefix(const memory_object &object, const mapping_record &, unsigned char *out, size_t length,
                       header_origin &origin) override {
        requests.emplace_back(object.name, length);
        origin = header_origin::none;
        auto found = files.find(object.name);
        if (found == files.end()) return 0;
        size_t n = std::min(length, found->second.size());
        memcpy(out, found->second.data(), n);
        origin = header_origin::process_memory;
        return n;
    }
};

process_map map_of(const char *text) {
    process_map_builder builder;
    EXPECT_EQ(sealkit::procfs::parse_mappings_text(text, strlen(text), process_map_builder::visit, &builder), 0u);
    return builder.finish();
}

const object_row *row_named(const process_report &report, const std::string &name) {
    for (const object_row &row : report.objects)
        if (row.name == name) return &row;
    return nullptr;
}

class CapturedProcess : public ::testing::Test {
protected:
    void SetUp() override {
        source.files["/opt/t/status_target"] = elf_image(status_target_segments());
        source.files["/opt/t/libsealkit.so.0.1.0"] = elf_image(libsealkit_segments());
        source.files["[vdso]"] = elf_image({segment(PT_LOAD, PF_R | PF_X, 0, 0, 0x1f00, 0x1f00)});
        source.files["/var/cache/data.bin"] = std::vector<unsigned char>(4096, 'x');  // not ELF
        // libc, ld.so and libold.so: headers unreadable.
        map = map_of(kSmaps);
        images = read_images(map, source, 4096);
        report = summarize(map, images, "/opt/t/status_target");
    }

    fake_image_source source;
    process_map map;
    std::vector<std::optional<image_info>> images;
    process_report report;
};

TEST_F(CapturedProcess, GroupsMappingsIntoOneRowPerObject) {
    std::vector<std::string> names;
    for (const object_row &row : report.objects) names.push_back(row.name);
    // In address order of each object's first byte.
    EXPECT_EQ(names, (std::vector<std::string>{"/opt/t/status_target", "[heap]", "/var/cache/data.bin", "anonymous",
                                               "[anon:cache]", "[anon:other]", "/usr/lib/libc.so.6",
                                               "/opt/t/libsealkit.so.0.1.0", "[vvar]", "[vvar_vclock]", "[vdso]",
                                               "/usr/lib/ld-linux-x86-64.so.2", "/tmp/libold.so (deleted)",
                                               "/tmp/libold.so", "[stack]", "[vsyscall]"}));
    EXPECT_EQ(row_named(report, "/opt/t/status_target")->kind, object_kind::executable);
    EXPECT_EQ(row_named(report, "/opt/t/libsealkit.so.0.1.0")->kind, object_kind::library);
    EXPECT_EQ(row_named(report, "/var/cache/data.bin")->kind, object_kind::file);
    EXPECT_EQ(row_named(report, "/usr/lib/libc.so.6")->kind, object_kind::file);  // headers unknown
    EXPECT_EQ(row_named(report, "[vdso]")->kind, object_kind::vdso);
    EXPECT_EQ(row_named(report, "[vvar_vclock]")->kind, object_kind::vvar);
    EXPECT_EQ(row_named(report, "[stack]")->kind, object_kind::stack);
    EXPECT_EQ(row_named(report, "[heap]")->kind, object_kind::heap);
    EXPECT_EQ(row_named(report, "[vsyscall]")->kind, object_kind::special);
    EXPECT_EQ(row_named(report, "anonymous")->kind, object_kind::anonymous);
}

TEST_F(CapturedProcess, NamedAnonymousMemoryIsGroupedByName) {
    const object_row *cache = row_named(report, "[anon:cache]");
    ASSERT_NE(cache, nullptr);
    EXPECT_EQ(cache->kind, object_kind::named_anonymous);
    EXPECT_EQ(cache->mappings, 2u);
    EXPECT_EQ(cache->bytes, 0x6000u);
    EXPECT_EQ(cache->sealed_bytes, 0x2000u);
    EXPECT_EQ(cache->sealed_mappings, 1u);
    EXPECT_FALSE(cache->classified);
    EXPECT_EQ(row_named(report, "[anon:other]")->mappings, 1u);
}

TEST_F(CapturedProcess, DeletedFileIsNotConfusedWithTheLiveOne) {
    EXPECT_EQ(row_named(report, "/tmp/libold.so (deleted)")->mappings, 2u);
    EXPECT_EQ(row_named(report, "/tmp/libold.so")->mappings, 1u);
}

TEST_F(CapturedProcess, ExecutableSegmentsAreClassifiedFromProgramHeaders) {
    const object_row *exe = row_named(report, "/opt/t/status_target");
    ASSERT_NE(exe, nullptr);
    ASSERT_TRUE(exe->classified);
    EXPECT_EQ(exe->layout_origin, header_origin::process_memory);
    EXPECT_EQ(exe->mappings, 8u);  // 7 of the file and the .bss tail
    EXPECT_EQ(exe->bytes, 0x19000u);
    EXPECT_EQ(exe->sealed_bytes, 0x4000u);
    EXPECT_EQ(exe->part(image_part::text).bytes, 0x1000u);
    EXPECT_EQ(state_of(exe->part(image_part::text)), seal_state::sealed);
    EXPECT_EQ(exe->part(image_part::rodata).bytes, 0x2000u);  // the ELF header page and .rodata
    EXPECT_EQ(state_of(exe->part(image_part::rodata)), seal_state::sealed);
    // RELRO and the rodata page before it come from the same file page
    // (offset 0x2000): only addresses tell them apart.
    EXPECT_EQ(exe->part(image_part::relro).bytes, 0x1000u);
    EXPECT_EQ(state_of(exe->part(image_part::relro)), seal_state::unsealed);
    EXPECT_EQ(exe->part(image_part::data).bytes, 0x15000u);
    EXPECT_EQ(exe->part(image_part::data).sealed_bytes, 0x1000u);
    EXPECT_EQ(state_of(exe->part(image_part::data)), seal_state::partly);
    EXPECT_EQ(state_of(exe->part(image_part::other)), seal_state::absent);
}

TEST_F(CapturedProcess, BssTailMergedWithOtherMemoryIsSplitAtTheObjectsEnd) {
    const object_row *lib = row_named(report, "/opt/t/libsealkit.so.0.1.0");
    ASSERT_NE(lib, nullptr);
    EXPECT_EQ(lib->mappings, 6u);
    EXPECT_EQ(lib->bytes, 0xd000u);  // up to page_up(0xabf0 + 0x1460)
    EXPECT_EQ(lib->part(image_part::text).bytes, 0x6000u);
    EXPECT_EQ(lib->part(image_part::rodata).bytes, 0x4000u);
    EXPECT_EQ(lib->part(image_part::relro).bytes, 0x1000u);
    EXPECT_EQ(lib->part(image_part::data).bytes, 0x2000u);
    EXPECT_EQ(lib->part(image_part::other).bytes, 0u);
    EXPECT_EQ(state_of(lib->part(image_part::text)), seal_state::unsealed);
}

TEST_F(CapturedProcess, TailWithoutHeadersFollowsWritableDataOnly) {
    // libc's headers are unknown: the anonymous mapping after its
    // writable data is still taken as its .bss...
    const object_row *libc = row_named(report, "/usr/lib/libc.so.6");
    EXPECT_EQ(libc->mappings, 6u);
    EXPECT_FALSE(libc->classified);
    EXPECT_EQ(libc->bytes, 0x1e2000u);
    // ...but the memory after a read-only shared data file is not.
    EXPECT_EQ(row_named(report, "/var/cache/data.bin")->mappings, 1u);
}

TEST_F(CapturedProcess, AnonymousRowGetsTheRest) {
    const object_row *anonymous = row_named(report, "anonymous");
    ASSERT_NE(anonymous, nullptr);
    EXPECT_EQ(anonymous->first_address, 0x7f2f37310000u);
    EXPECT_EQ(anonymous->mappings, 5u);
    // 8 + 3 + 1 + 2 + 1 pages, and the 2 pages merged onto libsealkit's .bss.
    EXPECT_EQ(anonymous->bytes, 0x11000u);
    EXPECT_EQ(anonymous->sealed_bytes, 0x2000u);
}

TEST_F(CapturedProcess, VdsoIsClassifiedAsText) {
    const object_row *vdso = row_named(report, "[vdso]");
    ASSERT_TRUE(vdso->classified);
    EXPECT_EQ(vdso->part(image_part::text).bytes, 0x2000u);
}

TEST_F(CapturedProcess, TotalsCountEveryMappingOnce) {
    EXPECT_EQ(report.mappings, kSmapsMappings);
    EXPECT_EQ(report.sealed_mappings, kSmapsSealedMappings);
    size_t mappings = 0;
    uint64_t bytes = 0;
    for (const object_row &row : report.objects) mappings += row.mappings, bytes += row.bytes;
    EXPECT_EQ(mappings, kSmapsMappings);
    uint64_t all_bytes = 0;
    sealkit::procfs::parse_mappings_text(
        kSmaps, strlen(kSmaps),
        [](const sealkit::procfs::mapping &m, void *sum) {
            *static_cast<uint64_t *>(sum) += m.length();
            return true;
        },
        &all_bytes);
    EXPECT_EQ(bytes, all_bytes);
    // Anonymous and kernel-named memory is counted, not kept. Kept: the
    // mappings of status_target (7), libc (5), libsealkit (5), ld.so (5),
    // data.bin (1), libold.so (3) and [vdso] (1), and the 4 anonymous
    // mappings that directly follow a file's.
    EXPECT_EQ(map.mappings.size(), 7u + 5u + 5u + 5u + 1u + 3u + 1u + 4u);
    // status_target 0x9000 of file + data.bin 0x10000 + libc 0x1d5000 +
    // libsealkit 0xc000 + ld.so 0x35000 + libold 0x3000 + 0x1000.
    EXPECT_EQ(report.file_backed_bytes, 0x9000u + 0x10000u + 0x1d5000u + 0xc000u + 0x35000u + 0x3000u + 0x1000u);
    EXPECT_EQ(report.sealed_file_backed_bytes, 0x4000u);
}

TEST_F(CapturedProcess, HeadersAreReadOncePerObjectAndOnlyForFilesAndTheVdso) {
    std::map<std::string, int> reads;
    for (const auto &request : source.requests) ++reads[request.first];
    // status_target, data.bin, libc, libsealkit, ld.so, libold.so twice
    // (unlinked and live) and [vdso].
    EXPECT_EQ(reads.size(), 8u);
    for (const auto &[name, count] : reads) {
        EXPECT_EQ(count, 1) << name;
        EXPECT_TRUE(name.front() == '/' || name == "[vdso]") << name;
    }
}

TEST(ProcessInspection, LargeHeaderTableIsReadAgainAtFullSize) {
    // Program headers at offset 3000: beyond the first read.
    fake_image_source source;
    source.files["/lib/big.so"] = elf_image({segment(PT_LOAD, PF_R | PF_X, 0, 0, 0x3000, 0x3000)}, 3000);
    process_map map = map_of("7f0000000000-7f0000003000 r-xp 00000000 08:01 12 /lib/big.so\nVmFlags: rd ex sl\n");
    auto images = read_images(map, source, 4096);
    ASSERT_EQ(source.requests.size(), 2u);
    EXPECT_GT(source.requests[1].second, source.requests[0].second);
    ASSERT_TRUE(images[0].has_value());
    process_report report = summarize(map, images, "");
    EXPECT_EQ(report.objects.at(0).part(image_part::text).sealed_bytes, 0x3000u);
    EXPECT_EQ(report.objects.at(0).kind, object_kind::library);
}

TEST(ProcessInspection, MapsWithoutVmFlagsCannotTellSeals) {
    process_map map = map_of("7f0000000000-7f0000001000 r--p 00000000 00:00 0 \n");
    EXPECT_TRUE(map.missing_vmflags);
    process_map with_flags = map_of("7f0000000000-7f0000001000 r--p 00000000 00:00 0 \nVmFlags: rd \n");
    EXPECT_FALSE(with_flags.missing_vmflags);
}

// object_layout on its own, with hostile and unusual headers.
std::optional<object_layout> layout_of(const std::vector<Elf64_Phdr> &phdrs, uintptr_t anchor_start,
                                       uint64_t anchor_offset = 0) {
    std::vector<unsigned char> bytes = elf_image(phdrs);  // the layout keeps no view of it
    sealkit::elf::file_header header;
    sealkit::elf::program_header_table table;
    EXPECT_EQ(sealkit::elf::read_file_header(bytes.data(), bytes.size(), &header), sealkit::elf::parse_error::none);
    EXPECT_EQ(table.open(header, bytes.data(), bytes.size()), sealkit::elf::parse_error::none);
    return object_layout::from_program_headers(table, anchor_offset, anchor_start, 4096);
}

TEST(ObjectLayout, NothingAtFileOffsetZeroMeansNoLayout) {
    EXPECT_FALSE(layout_of({segment(PT_LOAD, PF_R | PF_X, 0x1000, 0x1000, 0x100, 0x100)}, 0x400000));
    // ...unless the anchor is a mapping of that segment's file page.
    auto layout = layout_of({segment(PT_LOAD, PF_R | PF_X, 0x1000, 0x1000, 0x100, 0x100)}, 0x401000, 0x1000);
    ASSERT_TRUE(layout);
    EXPECT_TRUE(layout->holds(0x401000));
    EXPECT_FALSE(layout->holds(0x400fff));
}

TEST(ObjectLayout, HostileSegmentsAreIgnored) {
    // A segment whose end wraps around the address space is dropped; a
    // layout made only of such segments does not exist.
    EXPECT_FALSE(layout_of({segment(PT_LOAD, PF_R, 0, UINT64_MAX - 0x10, 0x100, 0x100)}, 0x400000));
    auto layout = layout_of({segment(PT_LOAD, PF_R, 0, 0, 0x100, 0x100),
                             segment(PT_LOAD, PF_R | PF_W, 0x1000, UINT64_MAX - 0xfff, 0x10, 0x2000)},
                            0x400000);
    ASSERT_TRUE(layout);
    part_totals totals{};
    layout->add_mapping(0x400000, 0x402000, false, totals);
    EXPECT_EQ(totals[static_cast<size_t>(image_part::rodata)].bytes, 0x1000u);
    EXPECT_EQ(totals[static_cast<size_t>(image_part::other)].bytes, 0x1000u);
    EXPECT_EQ(totals[static_cast<size_t>(image_part::data)].bytes, 0u);
}

TEST(ObjectLayout, OneMappingIsSplitBetweenRelroAndData) {
    // Before the loader protects RELRO, the writable segment is one
    // mapping; RELRO ends mid-page and is rounded down, as the loader does.
    auto layout = layout_of({segment(PT_LOAD, PF_R, 0, 0, 0x100, 0x100),
                             segment(PT_LOAD, PF_R | PF_W, 0x1000, 0x1000, 0x2800, 0x3000),
                             segment(PT_GNU_RELRO, PF_R, 0x1000, 0x1000, 0x1800, 0x1800)},
                            0x400000);
    ASSERT_TRUE(layout);
    part_totals totals{};
    layout->add_mapping(0x401000, 0x404000, true, totals);
    EXPECT_EQ(totals[static_cast<size_t>(image_part::relro)].bytes, 0x1000u);
    EXPECT_EQ(totals[static_cast<size_t>(image_part::relro)].sealed_bytes, 0x1000u);
    EXPECT_EQ(totals[static_cast<size_t>(image_part::data)].bytes, 0x2000u);
    EXPECT_EQ(totals[static_cast<size_t>(image_part::other)].bytes, 0u);
}

TEST(ObjectLayout, WritableAndExecutableSegmentCountsAsText) {
    auto layout = layout_of({segment(PT_LOAD, PF_R | PF_W | PF_X, 0, 0, 0x1000, 0x1000)}, 0x400000);
    ASSERT_TRUE(layout);
    uintptr_t end;
    EXPECT_EQ(layout->part_at(0x400010, &end), image_part::text);
    EXPECT_EQ(end, 0x401000u);
}

// The real image source, on this test program itself.
struct own_image {
    uintptr_t header_address = 0;  // where its file offset 0 is mapped
    std::string path;
};

own_image find_own_image() {
    own_image image;
    dl_iterate_phdr(
        [](dl_phdr_info *info, size_t, void *context) {
            auto *found = static_cast<own_image *>(context);
            for (int i = 0; i < info->dlpi_phnum; ++i)
                if (info->dlpi_phdr[i].p_type == PT_LOAD && info->dlpi_phdr[i].p_offset == 0)
                    found->header_address = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
            return 1;  // the main program is reported first
        },
        &image);
    char resolved[PATH_MAX];
    if (realpath("/proc/self/exe", resolved)) image.path = resolved;
    return image;
}

TEST(ProcessImageSource, ReadsOwnHeaderFromMemory) {
    own_image image = find_own_image();
    ASSERT_NE(image.header_address, 0u);
    memory_object object;
    object.name = image.path;
    object.kind = object_kind::file;
    mapping_record anchor;
    anchor.start = image.header_address;
    anchor.end = image.header_address + 4096;
    anchor.prot = PROT_READ;
    process_image_source source(0);
    unsigned char bytes[64];
    header_origin origin;
    ASSERT_EQ(source.read_prefix(object, anchor, bytes, sizeof bytes, origin), sizeof bytes);
    EXPECT_EQ(origin, header_origin::process_memory);
    EXPECT_EQ(memcmp(bytes, reinterpret_cast<const void *>(image.header_address), sizeof bytes), 0);
}

TEST(ProcessImageSource, FallsBackToTheFileWhenMemoryIsUnreadable) {
    own_image image = find_own_image();
    memory_object object;
    object.name = image.path;
    object.kind = object_kind::file;
    mapping_record anchor;
    anchor.start = image.header_address;
    anchor.end = image.header_address + 4096;
    anchor.prot = PROT_NONE;  // as if the process had made its header page inaccessible
    process_image_source source(0);
    unsigned char bytes[64];
    header_origin origin;
    ASSERT_EQ(source.read_prefix(object, anchor, bytes, sizeof bytes, origin), sizeof bytes);
    EXPECT_EQ(origin, header_origin::file);
    EXPECT_EQ(memcmp(bytes, reinterpret_cast<const void *>(image.header_address), sizeof bytes), 0);

    // An unlinked file that is not mapped there cannot be found, and the
    // vDSO has no file at all.
    object.name = image.path + ".gone (deleted)";
    anchor.start = anchor.end = 0x1000;
    EXPECT_EQ(source.read_prefix(object, anchor, bytes, sizeof bytes, origin), 0u);
    EXPECT_EQ(origin, header_origin::none);
    object.name = "[vdso]";
    object.kind = object_kind::vdso;
    EXPECT_EQ(source.read_prefix(object, anchor, bytes, sizeof bytes, origin), 0u);
}

}  // namespace
