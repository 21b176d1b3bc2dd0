// The ELF audit (src/audit, and the src/elf readers under it) on binaries
// the build links with each option the audit must tell apart
// (tests/audit/CMakeLists.txt), on real system files, and on copies of a
// fixture with one byte changed: each fact and each verdict reason must
// follow from the file, and broken files must be refused with the right
// kind of error.
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "audit/byte_source.h"
#include "audit/elf_facts.h"
#include "audit/file_source.h"
#include "audit/seal_verdict.h"
#include "elf/dynamic_section.h"
#include "elf/gnu_properties.h"

namespace {

using namespace sealkit::audit;

const std::string kFixtures = SEALKIT_AUDIT_FIXTURES;

struct audit_result {
    facts_error error = facts_error::read_failed;
    elf_facts facts;
    seal_verdict verdict;
    std::string problem;
};

audit_result audit_path(const std::string &path) {
    audit_result result;
    file_source file;
    if (file.open(AT_FDCWD, path.c_str()) != 0) return result;
    result.error = read_elf_facts(file, &result.facts, &result.problem);
    if (result.error == facts_error::none) result.verdict = judge(result.facts);
    return result;
}

audit_result audit_bytes(const std::vector<unsigned char> &bytes) {
    audit_result result;
    memory_source source(bytes.data(), bytes.size());
    result.error = read_elf_facts(source, &result.facts, &result.problem);
    if (result.error == facts_error::none) result.verdict = judge(result.facts);
    return result;
}

std::vector<unsigned char> read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool has_reason(const seal_verdict &verdict, const std::string &code) {
    return std::any_of(verdict.reasons.begin(), verdict.reasons.end(),
                       [&](const verdict_reason &reason) { return reason.code == code; });
}

audit_result fixture(const std::string &name) {
    audit_result result = audit_path(kFixtures + "/" + name);
    EXPECT_EQ(result.error, facts_error::none) << name << ": " << result.problem;
    return result;
}

// The fixtures are little-endian ELF64 on the machines the tests run on;
// these patch their program headers in place.
Elf64_Phdr *program_headers(std::vector<unsigned char> &bytes, size_t *count) {
    Elf64_Ehdr header;
    memcpy(&header, bytes.data(), sizeof header);
    *count = header.e_phnum;
    return reinterpret_cast<Elf64_Phdr *>(bytes.data() + header.e_phoff);
}

Elf64_Phdr *find_segment(std::vector<unsigned char> &bytes, uint32_t type) {
    size_t count;
    Elf64_Phdr *phdrs = program_headers(bytes, &count);
    for (size_t i = 0; i < count; ++i)
        if (phdrs[i].p_type == type) return &phdrs[i];
    return nullptr;
}

TEST(ElfAudit, BindNowGivesFullRelroAndASealableFile) {
    audit_result now = fixture("audit_now");
    EXPECT_EQ(now.facts.relro, relro_level::full);
    EXPECT_TRUE(now.facts.bind_now);
    EXPECT_TRUE(now.facts.df_bind_now || now.facts.df_1_now || now.facts.dt_bind_now);
    EXPECT_FALSE(now.facts.textrel);
    EXPECT_EQ(now.facts.stack, stack_state::not_executable);
    EXPECT_TRUE(now.facts.writable_executable.empty());
    EXPECT_FALSE(now.facts.is_static);
    EXPECT_TRUE(now.facts.has_interpreter);
    EXPECT_EQ(now.verdict.kind, verdict_kind::sealable);
    EXPECT_TRUE(has_reason(now.verdict, "no-memory-seal-mark"));  // a note only
}

TEST(ElfAudit, LazyBindingGivesPartialRelroAndACaveat) {
    audit_result lazy = fixture("audit_lazy");
    EXPECT_TRUE(lazy.facts.has_relro);
    EXPECT_FALSE(lazy.facts.bind_now);
    EXPECT_EQ(lazy.facts.relro, relro_level::partial);
    EXPECT_EQ(lazy.verdict.kind, verdict_kind::caveats);
    EXPECT_TRUE(has_reason(lazy.verdict, "partial-relro"));
}

TEST(ElfAudit, NoRelroIsACaveat) {
    audit_result none = fixture("audit_norelro");
    EXPECT_FALSE(none.facts.has_relro);
    EXPECT_EQ(none.facts.relro, relro_level::none);
    EXPECT_EQ(none.verdict.kind, verdict_kind::caveats);
    EXPECT_TRUE(has_reason(none.verdict, "no-relro"));
}

TEST(ElfAudit, ExecutableStackIsACaveat) {
    audit_result stack = fixture("audit_execstack");
    EXPECT_EQ(stack.facts.stack, stack_state::executable);
    EXPECT_EQ(stack.facts.relro, relro_level::full);
    EXPECT_EQ(stack.verdict.kind, verdict_kind::caveats);
    EXPECT_TRUE(has_reason(stack.verdict, "executable-stack"));
}

TEST(ElfAudit, StaticProgramsAreSeenAsStatic) {
    audit_result plain = fixture("audit_static");
    EXPECT_TRUE(plain.facts.is_static);
    EXPECT_FALSE(plain.facts.static_pie);
    EXPECT_FALSE(plain.facts.has_interpreter);
    EXPECT_FALSE(plain.facts.has_dynamic);
    EXPECT_EQ(plain.facts.type, file_type::executable);
    EXPECT_TRUE(has_reason(plain.verdict, "static"));
    EXPECT_EQ(plain.verdict.kind, verdict_kind::caveats);

    audit_result pie = fixture("audit_static_pie");
    EXPECT_TRUE(pie.facts.is_static);
    EXPECT_TRUE(pie.facts.static_pie);
    EXPECT_TRUE(pie.facts.has_dynamic);
    EXPECT_EQ(pie.facts.type, file_type::pie);
    EXPECT_TRUE(has_reason(pie.verdict, "static"));
    // No ld.so, so no lazy binding: RELRO is full whatever BIND_NOW says.
    EXPECT_EQ(plain.facts.relro, relro_level::full);
    EXPECT_EQ(pie.facts.relro, relro_level::full);
    EXPECT_FALSE(has_reason(pie.verdict, "partial-relro"));
}

TEST(ElfAudit, TellsExecutablesPiesAndSharedObjectsApart) {
    EXPECT_EQ(fixture("audit_no_pie").facts.type, file_type::executable);
    EXPECT_EQ(fixture("audit_now").facts.type, file_type::pie);
    audit_result shared = fixture("audit_shared");
    EXPECT_EQ(shared.facts.type, file_type::shared_object);
    EXPECT_FALSE(shared.facts.is_static);  // no interpreter, but a library
}

TEST(ElfAudit, FindsTheHandMadeMemorySealMark) {
    audit_result marked = fixture("audit_marked");
    EXPECT_TRUE(marked.facts.property_note);
    EXPECT_TRUE(marked.facts.memory_seal);
    EXPECT_FALSE(has_reason(marked.verdict, "no-memory-seal-mark"));
    EXPECT_EQ(marked.verdict.kind, verdict_kind::sealable);
    EXPECT_FALSE(fixture("audit_now").facts.memory_seal);
}

TEST(ElfAudit, WritableExecutableSegmentIsNotSealable) {
    audit_result wx = fixture("audit_writable_code");
    ASSERT_EQ(wx.facts.writable_executable.size(), 1u);
    EXPECT_EQ(wx.facts.writable_executable[0].flags & (PF_W | PF_X), static_cast<uint32_t>(PF_W | PF_X));
    EXPECT_EQ(wx.verdict.kind, verdict_kind::not_sealable);
    EXPECT_TRUE(has_reason(wx.verdict, "writable-executable"));
}

TEST(ElfAudit, TextRelocationsAreNotSealable) {
#if defined(__x86_64__)
    audit_result textrel = fixture("libaudit_textrel.so");
    EXPECT_TRUE(textrel.facts.textrel);
    EXPECT_EQ(textrel.facts.type, file_type::shared_object);
    EXPECT_EQ(textrel.verdict.kind, verdict_kind::not_sealable);
    EXPECT_TRUE(has_reason(textrel.verdict, "text-relocations"));
#else
    GTEST_SKIP() << "the text-relocation fixture is x86-64 assembly";
#endif
}

TEST(ElfAudit, RealSystemFiles) {
    audit_result truth = audit_path("/bin/true");
    ASSERT_EQ(truth.error, facts_error::none) << truth.problem;
    EXPECT_TRUE(truth.facts.type == file_type::pie || truth.facts.type == file_type::executable);
    EXPECT_TRUE(truth.facts.has_interpreter);
    EXPECT_NE(truth.verdict.kind, verdict_kind::not_loadable);

    Dl_info info{};
    ASSERT_NE(dladdr(reinterpret_cast<void *>(&printf), &info), 0);
    audit_result libc = audit_path(info.dli_fname);
    ASSERT_EQ(libc.error, facts_error::none) << info.dli_fname << ": " << libc.problem;
    EXPECT_EQ(libc.facts.type, file_type::shared_object) << info.dli_fname;
    EXPECT_TRUE(libc.facts.has_dynamic);
    EXPECT_GT(libc.facts.load_segments, 1u);
    EXPECT_TRUE(libc.facts.writable_executable.empty());
    EXPECT_FALSE(libc.facts.textrel);
}

TEST(ElfAudit, MutableProgramHeadersAreListed) {
    std::vector<unsigned char> bytes = read_file(kFixtures + "/audit_now");
    Elf64_Phdr *note = find_segment(bytes, PT_NOTE);
    ASSERT_NE(note, nullptr);
    note->p_type = kPtGnuMutable;
    audit_result gnu = audit_bytes(bytes);
    ASSERT_EQ(gnu.error, facts_error::none) << gnu.problem;
    ASSERT_EQ(gnu.facts.mutable_ranges.size(), 1u);
    EXPECT_EQ(gnu.facts.mutable_ranges[0].type, kPtGnuMutable);
    EXPECT_EQ(gnu.facts.mutable_ranges[0].vaddr, note->p_vaddr);
    EXPECT_EQ(gnu.facts.mutable_ranges[0].memsz, note->p_memsz);
    EXPECT_TRUE(has_reason(gnu.verdict, "mutable-ranges"));

    note->p_type = kPtOpenbsdMutable;
    audit_result openbsd = audit_bytes(bytes);
    ASSERT_EQ(openbsd.facts.mutable_ranges.size(), 1u);
    EXPECT_EQ(openbsd.facts.mutable_ranges[0].type, kPtOpenbsdMutable);
    EXPECT_TRUE(fixture("audit_now").facts.mutable_ranges.empty());
}

TEST(ElfAudit, MissingStackHeaderMeansExecutableOnX86Only) {
    std::vector<unsigned char> bytes = read_file(kFixtures + "/audit_now");
    Elf64_Phdr *stack = find_segment(bytes, PT_GNU_STACK);
    ASSERT_NE(stack, nullptr);
    stack->p_type = PT_NULL;
    Elf64_Ehdr header;
    memcpy(&header, bytes.data(), sizeof header);

    header.e_machine = EM_X86_64;
    memcpy(bytes.data(), &header, sizeof header);
    audit_result x86 = audit_bytes(bytes);
    EXPECT_EQ(x86.facts.stack, stack_state::missing_executable);
    EXPECT_TRUE(has_reason(x86.verdict, "executable-stack"));

    header.e_machine = EM_AARCH64;
    memcpy(bytes.data(), &header, sizeof header);
    audit_result arm = audit_bytes(bytes);
    EXPECT_EQ(arm.facts.stack, stack_state::missing_not_executable);
    EXPECT_FALSE(has_reason(arm.verdict, "executable-stack"));
}

TEST(ElfAudit, EveryCutOfAFileIsNotElfOrTruncated) {
    const std::vector<unsigned char> whole = read_file(kFixtures + "/audit_now");
    ASSERT_GT(whole.size(), 4096u);
    for (size_t length : {size_t{0}, size_t{1}, size_t{3}}) {
        std::vector<unsigned char> cut(whole.begin(), whole.begin() + static_cast<long>(length));
        EXPECT_EQ(audit_bytes(cut).error, facts_error::not_elf) << length;
    }
    // The audit never reads the section headers at the end of the file: a
    // cut is noticed when it cuts into a segment.
    std::vector<unsigned char> copy = whole;
    size_t count;
    Elf64_Phdr *phdrs = program_headers(copy, &count);
    size_t segments_end = 0;
    for (size_t i = 0; i < count; ++i)
        if (phdrs[i].p_type == PT_LOAD) segments_end = std::max<size_t>(segments_end, phdrs[i].p_offset + phdrs[i].p_filesz);
    ASSERT_LT(segments_end, whole.size());
    std::vector<unsigned char> without_sections(whole.begin(), whole.begin() + static_cast<long>(segments_end));
    EXPECT_EQ(audit_bytes(without_sections).error, facts_error::none);
    for (size_t length : {size_t{4}, size_t{20}, size_t{63}, size_t{64}, size_t{100}, whole.size() / 2, segments_end - 1}) {
        std::vector<unsigned char> cut(whole.begin(), whole.begin() + static_cast<long>(length));
        audit_result result = audit_bytes(cut);
        EXPECT_EQ(result.error, facts_error::truncated) << length;
        EXPECT_FALSE(result.problem.empty()) << length;
    }
    EXPECT_EQ(audit_bytes(whole).error, facts_error::none);
}

TEST(ElfAudit, MalformedHeadersAreRefused) {
    const std::vector<unsigned char> whole = read_file(kFixtures + "/audit_now");
    std::vector<unsigned char> bytes = whole;
    bytes[EI_CLASS] = 7;
    EXPECT_EQ(audit_bytes(bytes).error, facts_error::malformed);

    bytes = whole;
    Elf64_Ehdr header;
    memcpy(&header, bytes.data(), sizeof header);
    header.e_phentsize = 12;
    memcpy(bytes.data(), &header, sizeof header);
    EXPECT_EQ(audit_bytes(bytes).error, facts_error::malformed);

    bytes = whole;
    Elf64_Phdr *load = find_segment(bytes, PT_LOAD);
    ASSERT_NE(load, nullptr);
    load->p_filesz = load->p_memsz + 1;
    audit_result bigger = audit_bytes(bytes);
    EXPECT_EQ(bigger.error, facts_error::malformed) << bigger.problem;

    bytes = whole;
    find_segment(bytes, PT_DYNAMIC)->p_offset = UINT64_MAX - 4;
    EXPECT_EQ(audit_bytes(bytes).error, facts_error::malformed);

    std::vector<unsigned char> text = {'#', '!', '/', 'b', 'i', 'n', '/', 's', 'h', '\n'};
    EXPECT_EQ(audit_bytes(text).error, facts_error::not_elf);
}

TEST(ElfAudit, ObjectFilesAreNotLoadable) {
    std::vector<unsigned char> bytes = read_file(kFixtures + "/audit_now");
    Elf64_Ehdr header;
    memcpy(&header, bytes.data(), sizeof header);
    header.e_type = ET_REL;
    memcpy(bytes.data(), &header, sizeof header);
    audit_result object = audit_bytes(bytes);
    ASSERT_EQ(object.error, facts_error::none);
    EXPECT_EQ(object.facts.type, file_type::relocatable);
    EXPECT_EQ(object.verdict.kind, verdict_kind::not_loadable);
    EXPECT_EQ(object.facts.stack, stack_state::not_applicable);
}

// The hand-made big-endian 32-bit file of the fuzz corpus: every fact is
// decoded in the file's byte order and class.
TEST(ElfAudit, BigEndian32BitFile) {
    audit_result be = audit_path(std::string(SEALKIT_SOURCE_DIR) + "/fuzz/corpus/elf_audit_fuzz/handmade_be32");
    ASSERT_EQ(be.error, facts_error::none) << be.problem;
    EXPECT_FALSE(be.facts.is_64_bit);
    EXPECT_TRUE(be.facts.big_endian);
    EXPECT_TRUE(be.facts.dt_bind_now);
    EXPECT_TRUE(be.facts.df_bind_now);
    EXPECT_TRUE(be.facts.df_1_now);
    EXPECT_TRUE(be.facts.df_1_pie);
    EXPECT_TRUE(be.facts.textrel);
    EXPECT_TRUE(be.facts.memory_seal);
    EXPECT_EQ(be.facts.mutable_ranges.size(), 2u);
    EXPECT_EQ(be.facts.writable_executable.size(), 1u);
    EXPECT_EQ(be.facts.stack, stack_state::executable);
    EXPECT_EQ(be.facts.relro, relro_level::full);
}

TEST(DynamicSection, EndsAtTheFirstNullEntry) {
    Elf64_Dyn entries[] = {{DT_FLAGS_1, {DF_1_NOW}}, {DT_NULL, {0}}, {DT_TEXTREL, {0}}};
    sealkit::elf::dynamic_table table(entries, sizeof entries, true, false);
    EXPECT_TRUE(table.terminated());
    EXPECT_EQ(table.count(), 1u);
    sealkit::elf::dynamic_flags flags = sealkit::elf::summarize(table);
    EXPECT_TRUE(flags.binds_now());
    EXPECT_FALSE(flags.has_text_relocations());

    // Without DT_NULL, every whole entry counts and a partial one does not.
    sealkit::elf::dynamic_table open_ended(entries, sizeof entries[0] + 5, true, false);
    EXPECT_FALSE(open_ended.terminated());
    EXPECT_EQ(open_ended.count(), 1u);
}

TEST(GnuProperties, FindsTheMarkAmongOtherPropertiesOnly) {
    // 32-bit layout: 4-byte padding; an x86 feature property first.
    const unsigned char with_mark[] = {4, 0, 0, 0, 20, 0, 0, 0, 5, 0, 0, 0, 'G', 'N', 'U', 0,
                                       2, 0, 0, 0xc0, 4, 0, 0, 0, 3, 0, 0, 0,
                                       3, 0, 0, 0, 0, 0, 0, 0, 9, 9, 9, 9};
    sealkit::elf::gnu_property_facts facts;
    sealkit::elf::scan_gnu_properties(with_mark, sizeof with_mark - 4, 4, false, false, &facts);
    EXPECT_TRUE(facts.property_note);
    EXPECT_TRUE(facts.memory_seal);
    EXPECT_FALSE(facts.malformed);

    unsigned char other[sizeof with_mark];
    memcpy(other, with_mark, sizeof other);
    other[28] = 4;  // the second property is now type 4
    sealkit::elf::gnu_property_facts none;
    sealkit::elf::scan_gnu_properties(other, sizeof other - 4, 4, false, false, &none);
    EXPECT_TRUE(none.property_note);
    EXPECT_FALSE(none.memory_seal);

    unsigned char named_otherwise[sizeof with_mark];
    memcpy(named_otherwise, with_mark, sizeof named_otherwise);
    named_otherwise[12] = 'X';  // "XNU": not a GNU note
    sealkit::elf::gnu_property_facts foreign;
    sealkit::elf::scan_gnu_properties(named_otherwise, sizeof named_otherwise - 4, 4, false, false, &foreign);
    EXPECT_FALSE(foreign.property_note);
    EXPECT_FALSE(foreign.memory_seal);

    sealkit::elf::gnu_property_facts cut;
    sealkit::elf::scan_gnu_properties(with_mark, 20, 4, false, false, &cut);
    EXPECT_TRUE(cut.malformed);
    EXPECT_FALSE(cut.memory_seal);
}

TEST(FileSource, RefusesToReadAFifo) {
    char directory[] = "/tmp/sealkit-audit-fifo-XXXXXX";
    ASSERT_NE(mkdtemp(directory), nullptr);
    std::string fifo = std::string(directory) + "/fifo";
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    file_source file;
    EXPECT_EQ(file.open(AT_FDCWD, fifo.c_str()), 0);  // non-blocking: returns at once
    EXPECT_TRUE(file.not_regular());
    file.close();
    unlink(fifo.c_str());
    rmdir(directory);
}

}  // namespace
