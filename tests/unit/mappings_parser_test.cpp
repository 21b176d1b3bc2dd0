// Tests of the /proc/PID/maps and smaps line parser (src/procfs), on samples
// captured from a real process on Linux 6.18 and on hand-made samples, all
// in tests/data/smaps/ (README.md there says how each was made).
#include <gtest/gtest.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "procfs/mappings_parser.h"

namespace {

using sealkit::procfs::mapping;
using sealkit::procfs::mappings_parser;
using sealkit::procfs::parse_mappings_text;

// A mapping with its path copied out of the parser's storage.
struct owned_mapping {
    mapping m;
    std::string path;
};

struct parsed {
    std::vector<owned_mapping> mappings;
    size_t malformed = 0;
};

bool collect(const mapping &m, void *context) {
    owned_mapping copy{m, std::string(m.path, m.path_length)};
    copy.m.path = nullptr;
    static_cast<std::vector<owned_mapping> *>(context)->push_back(copy);
    return true;
}

// Through parse_mappings_text, the whole-buffer entry point.
parsed parse_text(const std::string &text) {
    parsed result;
    result.malformed = parse_mappings_text(text.data(), text.size(), collect, &result.mappings);
    return result;
}

// Through mappings_parser::feed_line, one exactly sized heap copy per line
// (what a streaming reader does), and compares with parse_text.
parsed parse_lines(const std::string &text) {
    parsed result;
    mappings_parser parser(collect, &result.mappings);
    size_t at = 0;
    while (at < text.size()) {
        size_t newline = text.find('\n', at);
        size_t end = newline == std::string::npos ? text.size() : newline;
        std::vector<char> line(text.begin() + static_cast<long>(at), text.begin() + static_cast<long>(end));
        EXPECT_TRUE(parser.feed_line(line.data(), line.size()));
        at = end + 1;
    }
    EXPECT_TRUE(parser.finish());
    result.malformed = parser.malformed_lines();
    EXPECT_EQ(parser.mappings_seen(), result.mappings.size());
    EXPECT_EQ(parser.storage_error(), 0);
    parsed whole = parse_text(text);
    EXPECT_EQ(whole.malformed, result.malformed);
    EXPECT_EQ(whole.mappings.size(), result.mappings.size());
    return result;
}

std::string read_file(const std::string &name) {
    std::string path = std::string(SEALKIT_TEST_DATA) + "/smaps/" + name;
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in.good()) << "cannot open " << path;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::string> split_lines(const std::string &text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
    return lines;
}

// Header lines of a maps/smaps text, counted independently of the parser:
// the kernel starts exactly those with "HEX-HEX ".
size_t count_header_lines(const std::string &text) {
    size_t count = 0;
    for (const std::string &line : split_lines(text)) {
        size_t dash = line.find('-');
        if (dash == 0 || dash == std::string::npos) continue;
        if (line.find_first_not_of("0123456789abcdef") == dash) ++count;
    }
    return count;
}

const owned_mapping *find_by_start(const parsed &p, uintptr_t start) {
    for (const owned_mapping &o : p.mappings)
        if (o.m.start == start) return &o;
    return nullptr;
}

const owned_mapping *find_by_path(const parsed &p, const std::string &path) {
    for (const owned_mapping &o : p.mappings)
        if (o.path == path) return &o;
    return nullptr;
}

int prot_of(const std::string &perms) {
    return (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
           (perms[2] == 'x' ? PROT_EXEC : 0);
}

// captured.expect: "key=value ..." lines written by capture.c from what it
// knew without /proc (mmap's result, fstat, getauxval).
struct expectations {
    std::vector<std::map<std::string, std::string>> mappings;
    std::map<std::string, std::string> facts;

    const std::map<std::string, std::string> &label(const std::string &name) const {
        for (const auto &fields : mappings)
            if (fields.at("label") == name) return fields;
        ADD_FAILURE() << "no label " << name << " in captured.expect";
        static const std::map<std::string, std::string> none;
        return none;
    }
    uint64_t hex_fact(const std::string &key) const { return strtoull(facts.at(key).c_str(), nullptr, 16); }
};

expectations read_expectations() {
    expectations e;
    for (const std::string &line : split_lines(read_file("captured.expect"))) {
        std::map<std::string, std::string> fields;
        std::istringstream words(line);
        std::string word;
        while (words >> word) {
            size_t eq = word.find('=');
            fields[word.substr(0, eq)] = word.substr(eq + 1);
        }
        if (fields.count("label")) e.mappings.push_back(fields);
        else e.facts.insert(fields.begin(), fields.end());
    }
    return e;
}

uint64_t hex(const std::string &s) { return strtoull(s.c_str(), nullptr, 16); }
uint64_t dec(const std::string &s) { return strtoull(s.c_str(), nullptr, 10); }

constexpr char kCaptureDir[] = "/tmp/sealkit-capture";

class CapturedSample : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        smaps_ = new parsed(parse_lines(read_file("captured.smaps")));
        maps_ = new parsed(parse_lines(read_file("captured.maps")));
        expect_ = new expectations(read_expectations());
    }
    static void TearDownTestSuite() {
        delete smaps_;
        delete maps_;
        delete expect_;
    }
    static parsed *smaps_;
    static parsed *maps_;
    static expectations *expect_;
};
parsed *CapturedSample::smaps_;
parsed *CapturedSample::maps_;
expectations *CapturedSample::expect_;

// ---------------------------------------------------------------------------
// Captured from a real process (capture.c)

TEST_F(CapturedSample, SmapsParsesEveryMappingWithNoMalformedLine) {
    std::string text = read_file("captured.smaps");
    ASSERT_GT(count_header_lines(text), 20u);
    EXPECT_EQ(smaps_->mappings.size(), count_header_lines(text));
    EXPECT_EQ(smaps_->malformed, 0u);
    uintptr_t previous_end = 0;
    for (const owned_mapping &o : smaps_->mappings) {
        SCOPED_TRACE(o.path);
        EXPECT_TRUE(o.m.has_details);
        EXPECT_TRUE(o.m.has_vmflags);
        EXPECT_LT(o.m.start, o.m.end);
        EXPECT_GE(o.m.start, previous_end) << "mappings overlap or are out of order";
        EXPECT_EQ(o.m.size_kib * 1024, o.m.length());
        EXPECT_LE(o.m.rss_kib, o.m.size_kib);
        EXPECT_LE(o.m.anonymous_kib, o.m.rss_kib);
        previous_end = o.m.end;
    }
}

TEST_F(CapturedSample, EveryFieldMatchesWhatTheCapturingProcessKnew) {
    size_t checked = 0;
    for (const auto &fields : expect_->mappings) {
        if (!fields.count("inode")) continue;  // anon_shmem: only /proc knows its inode
        SCOPED_TRACE(fields.at("label"));
        const owned_mapping *o = find_by_start(*smaps_, hex(fields.at("start")));
        ASSERT_NE(o, nullptr);
        const mapping &m = o->m;
        EXPECT_EQ(m.end, hex(fields.at("end")));
        const std::string &perms = fields.at("perms");
        EXPECT_EQ(m.prot, prot_of(perms));
        EXPECT_EQ(m.shared, perms[3] == 's');
        EXPECT_EQ(m.offset, hex(fields.at("offset")));
        const std::string &dev = fields.at("dev");
        EXPECT_EQ(m.dev_major, hex(dev.substr(0, dev.find(':'))));
        EXPECT_EQ(m.dev_minor, hex(dev.substr(dev.find(':') + 1)));
        EXPECT_EQ(m.inode, dec(fields.at("inode")));
        EXPECT_EQ(m.is_file_backed(), m.inode != 0);
        EXPECT_EQ(m.sealed, fields.at("sealed") == "1");
        EXPECT_EQ(m.size_kib, dec(fields.at("size_kib")));
        EXPECT_EQ(m.rss_kib, dec(fields.at("rss_kib")));
        EXPECT_EQ(m.anonymous_kib, dec(fields.at("anonymous_kib")));
        EXPECT_TRUE(m.has_details);
        EXPECT_TRUE(m.has_vmflags);
        ++checked;
    }
    EXPECT_EQ(checked, 8u);
}

TEST_F(CapturedSample, PathWithSpacesIsKeptWhole) {
    const owned_mapping *o = find_by_start(*smaps_, hex(expect_->label("spaces").at("start")));
    ASSERT_NE(o, nullptr);
    EXPECT_EQ(o->path, std::string(kCaptureDir) + "/my lib.so");
    EXPECT_EQ(o->m.path_length, o->path.size());
    EXPECT_FALSE(o->m.deleted);
}

TEST_F(CapturedSample, NewlineInFileNameIsPrintedAsBackslash012) {
    // capture.c named the file "new\nline.so"; the kernel printed \012.
    const owned_mapping *o = find_by_start(*smaps_, hex(expect_->label("newline").at("start")));
    ASSERT_NE(o, nullptr);
    EXPECT_EQ(o->path, std::string(kCaptureDir) + "/new\\012line.so");
    EXPECT_EQ(o->path.find('\n'), std::string::npos);
    // The line after it is the next mapping's, not a continuation.
    EXPECT_EQ(smaps_->malformed, 0u);
}

TEST_F(CapturedSample, DeletedSuffixIsStrippedAndFlagged) {
    const owned_mapping *o = find_by_start(*smaps_, hex(expect_->label("deleted").at("start")));
    ASSERT_NE(o, nullptr);
    EXPECT_EQ(o->path, std::string(kCaptureDir) + "/gone.so");
    EXPECT_TRUE(o->m.deleted);
    // Shared anonymous memory is an unlinked /dev/zero.
    const owned_mapping *shm = find_by_start(*smaps_, hex(expect_->label("anon_shmem").at("start")));
    ASSERT_NE(shm, nullptr);
    EXPECT_EQ(shm->path, "/dev/zero");
    EXPECT_TRUE(shm->m.deleted);
    EXPECT_TRUE(shm->m.shared);
    EXPECT_EQ(shm->m.end, hex(expect_->label("anon_shmem").at("end")));
    size_t deleted = 0;
    for (const owned_mapping &each : smaps_->mappings) {
        EXPECT_EQ(each.path.find("(deleted)"), std::string::npos) << each.path;
        deleted += each.m.deleted;
    }
    EXPECT_EQ(deleted, 2u);
}

TEST_F(CapturedSample, PathNearPathMaxIsKeptWhole) {
    const owned_mapping *o = find_by_start(*smaps_, hex(expect_->label("long_path").at("start")));
    ASSERT_NE(o, nullptr);
    size_t expected_length = dec(expect_->facts.at("long_path_length"));
    EXPECT_GT(expected_length, 4000u);
    EXPECT_EQ(o->path.size(), expected_length);
    EXPECT_EQ(o->m.path_length, expected_length);
    EXPECT_EQ(o->path.rfind(std::string(kCaptureDir) + "/long/dddd", 0), 0u);
    EXPECT_EQ(o->path.substr(o->path.size() - 5), "/f.so");
}

TEST_F(CapturedSample, OnlyTheMappingSealedWithMsealIsSealed) {
    uintptr_t sealed_start = hex(expect_->label("sealed").at("start"));
    size_t sealed = 0;
    for (const owned_mapping &o : smaps_->mappings) {
        if (o.m.sealed) {
            ++sealed;
            EXPECT_EQ(o.m.start, sealed_start) << o.path;
        }
    }
    EXPECT_EQ(sealed, 1u);
    // And the text agrees: exactly one VmFlags line has the word "sl".
    size_t sl_lines = 0;
    for (const std::string &line : split_lines(read_file("captured.smaps")))
        if (line.rfind("VmFlags:", 0) == 0 && (line + " ").find(" sl ") != std::string::npos) ++sl_lines;
    EXPECT_EQ(sl_lines, 1u);
}

TEST_F(CapturedSample, KernelSpecialMappings) {
    const owned_mapping *vdso = find_by_path(*smaps_, "[vdso]");
    ASSERT_NE(vdso, nullptr);
    EXPECT_EQ(vdso->m.start, expect_->hex_fact("vdso"));
    EXPECT_EQ(vdso->m.prot, PROT_READ | PROT_EXEC);
    const owned_mapping *vvar = find_by_path(*smaps_, "[vvar]");
    ASSERT_NE(vvar, nullptr);
    EXPECT_EQ(vvar->m.prot, PROT_READ);
    const owned_mapping *stack = find_by_path(*smaps_, "[stack]");
    ASSERT_NE(stack, nullptr);
    EXPECT_LE(stack->m.start, expect_->hex_fact("stack_variable"));
    EXPECT_GT(stack->m.end, expect_->hex_fact("stack_variable"));
    EXPECT_EQ(stack->m.prot, PROT_READ | PROT_WRITE);
    const owned_mapping *heap = find_by_path(*smaps_, "[heap]");
    ASSERT_NE(heap, nullptr);
    EXPECT_LE(heap->m.start, expect_->hex_fact("heap_pointer"));
    EXPECT_GT(heap->m.end, expect_->hex_fact("heap_pointer"));
    for (const owned_mapping *o : {vdso, vvar, stack, heap}) {
        SCOPED_TRACE(o->path);
        EXPECT_EQ(o->m.inode, 0u);
        EXPECT_FALSE(o->m.is_file_backed());
        EXPECT_FALSE(o->m.shared);
        EXPECT_FALSE(o->m.deleted);
        EXPECT_EQ(o->m.dev_major, 0u);
        EXPECT_EQ(o->m.offset, 0u);
    }
    // Unnamed anonymous memory has an empty path.
    const owned_mapping *guard = find_by_start(*smaps_, hex(expect_->label("guard").at("start")));
    ASSERT_NE(guard, nullptr);
    EXPECT_EQ(guard->path, "");
    EXPECT_EQ(guard->m.path_length, 0u);
    EXPECT_EQ(guard->m.prot, 0);
}

TEST_F(CapturedSample, MapsOfTheSameProcessHasTheSameMappingsAndNoDetails) {
    ASSERT_EQ(maps_->mappings.size(), smaps_->mappings.size());
    EXPECT_EQ(maps_->malformed, 0u);
    for (size_t i = 0; i < maps_->mappings.size(); ++i) {
        const owned_mapping &a = maps_->mappings[i];
        const owned_mapping &b = smaps_->mappings[i];
        SCOPED_TRACE(a.path);
        EXPECT_EQ(a.m.start, b.m.start);
        EXPECT_EQ(a.m.end, b.m.end);
        EXPECT_EQ(a.m.prot, b.m.prot);
        EXPECT_EQ(a.m.shared, b.m.shared);
        EXPECT_EQ(a.m.offset, b.m.offset);
        EXPECT_EQ(a.m.inode, b.m.inode);
        EXPECT_EQ(a.m.deleted, b.m.deleted);
        EXPECT_EQ(a.path, b.path);
        EXPECT_FALSE(a.m.has_details);
        EXPECT_FALSE(a.m.has_vmflags);
        EXPECT_FALSE(a.m.sealed);
        EXPECT_EQ(a.m.size_kib, 0u);
        EXPECT_EQ(a.m.rss_kib, 0u);
    }
}

// ---------------------------------------------------------------------------
// Hand-made samples

TEST(MappingsParser, NamedAnonymousMemoryAndSpecialNamesAreKeptAsPaths) {
    // Hand-made: this machine's kernel lacks CONFIG_ANON_VMA_NAME, so
    // prctl(PR_SET_VMA_ANON_NAME) fails and [anon:...] cannot be captured.
    parsed p = parse_lines(read_file("handmade_names.maps"));
    EXPECT_EQ(p.malformed, 0u);
    std::vector<std::string> paths;
    for (const owned_mapping &o : p.mappings) paths.push_back(o.path);
    EXPECT_EQ(paths, (std::vector<std::string>{"[heap]", "[anon:sealkit test]", "[anon_shmem:sealkit-shm]",
                                               "[anon:glibc: malloc arena]", "[vvar]", "[vvar_vclock]", "[vdso]",
                                               "/tmp/trailing space ", "/tmp/two  spaces  inside.so",
                                               "/tmp/tab\tinside.so", "[stack]", "[vsyscall]"}));
    const owned_mapping *shm = find_by_path(p, "[anon_shmem:sealkit-shm]");
    ASSERT_NE(shm, nullptr);
    EXPECT_TRUE(shm->m.shared);
    EXPECT_EQ(shm->m.dev_minor, 1u);
    EXPECT_EQ(shm->m.inode, 2050u);
    EXPECT_FALSE(shm->m.deleted);
    const owned_mapping *vsyscall = find_by_path(p, "[vsyscall]");
    ASSERT_NE(vsyscall, nullptr);
    EXPECT_EQ(vsyscall->m.start, 0xffffffffff600000u);
    EXPECT_EQ(vsyscall->m.prot, PROT_EXEC);
}

struct vmflags_case {
    const char *path;
    bool has_vmflags;
    bool sealed;
};

TEST(MappingsParser, SealedOnlyWhenVmFlagsHasTheWholeWordSl) {
    const vmflags_case cases[] = {
        {"/flags/sl_last", true, true},      {"/flags/sl_first", true, true},
        {"/flags/sl_only_no_trailing_space", true, true},
        {"/flags/sls", true, false},         {"/flags/xsl", true, false},
        {"/flags/slx_last", true, false},    {"/flags/s_l", true, false},
        {"/flags/empty", true, false},       {"/flags/empty_no_space", true, false},
        {"/flags/missing", false, false},
    };
    parsed p = parse_lines(read_file("handmade_vmflags.smaps"));
    EXPECT_EQ(p.malformed, 0u);
    ASSERT_EQ(p.mappings.size(), std::size(cases));
    for (size_t i = 0; i < std::size(cases); ++i) {
        const owned_mapping &o = p.mappings[i];
        SCOPED_TRACE(cases[i].path);
        EXPECT_EQ(o.path, cases[i].path);
        EXPECT_EQ(o.m.has_vmflags, cases[i].has_vmflags);
        EXPECT_EQ(o.m.sealed, cases[i].sealed);
        EXPECT_TRUE(o.m.has_details);
        // KernelPageSize, AnonHugePages and the other keys must not be
        // taken for Size, Rss or Anonymous.
        EXPECT_EQ(o.m.size_kib, (i + 1) * 4);
        EXPECT_EQ(o.m.rss_kib, i * 4);
        EXPECT_EQ(o.m.anonymous_kib, i % 2 ? i * 2 : 0);
        EXPECT_EQ(o.m.inode, 1000 + i);
    }
}

TEST(MappingsParser, SealedFlagBelongsToItsOwnMappingOnly) {
    // A sealed mapping between two unsealed ones: the flag must not leak
    // forward or backward through the pending-mapping state.
    std::string text =
        "1000-2000 r--p 00000000 00:00 0\nSize: 4 kB\nVmFlags: rd mr \n"
        "2000-3000 r--p 00000000 00:00 0\nSize: 4 kB\nVmFlags: rd mr sl \n"
        "3000-4000 r--p 00000000 00:00 0\nSize: 4 kB\nVmFlags: rd mr \n"
        "4000-5000 r--p 00000000 00:00 0\nSize: 4 kB\n";
    parsed p = parse_lines(text);
    ASSERT_EQ(p.mappings.size(), 4u);
    EXPECT_FALSE(p.mappings[0].m.sealed);
    EXPECT_TRUE(p.mappings[1].m.sealed);
    EXPECT_FALSE(p.mappings[2].m.sealed);
    EXPECT_FALSE(p.mappings[3].m.sealed);
    EXPECT_FALSE(p.mappings[3].m.has_vmflags);
    EXPECT_EQ(p.mappings[3].m.size_kib, 4u);
}

TEST(MappingsParser, RejectedHeaderLinesAreCountedAndTheRestStillParse) {
    // Odd lines are valid (/bin/validN), even lines must each be rejected:
    // overflowing hex, end < start, bad permissions, missing fields...
    std::string text = read_file("handmade_rejected.maps");
    std::vector<std::string> lines = split_lines(text);
    ASSERT_EQ(lines.size() % 2, 1u);
    size_t rejected = lines.size() / 2;
    parsed p = parse_lines(text);
    EXPECT_EQ(p.malformed, rejected);
    ASSERT_EQ(p.mappings.size(), rejected + 1);
    for (size_t i = 0; i < p.mappings.size(); ++i) {
        EXPECT_EQ(p.mappings[i].path, "/bin/valid" + std::to_string(i));
        EXPECT_EQ(p.mappings[i].m.start, 0x400000u + i * 0x1000);
    }
}

TEST(MappingsParser, EachRejectedHeaderLineAloneIsOneMalformedLine) {
    std::vector<std::string> lines = split_lines(read_file("handmade_rejected.maps"));
    for (size_t i = 1; i < lines.size(); i += 2) {
        SCOPED_TRACE(lines[i]);
        parsed p = parse_lines(lines[i]);
        EXPECT_EQ(p.mappings.size(), 0u);
        EXPECT_EQ(p.malformed, 1u);
    }
}

// Regression (fixed): a line is taken for
// an smaps "Key: value" detail line whenever it contains a ':' anywhere, so
// a header whose start address overflows or does not start with hex
// digits, or garbage with a colon in it, is silently ignored instead of
// counted as malformed when it follows a mapping.
TEST(MappingsParser, BrokenHeadersWithAColonAreNotTakenForDetailLines) {
    parsed p = parse_lines(read_file("handmade_not_details.maps"));
    EXPECT_EQ(p.mappings.size(), 5u);
    EXPECT_EQ(p.malformed, 4u);
}

TEST(MappingsParser, OverflowingStartAddressAtTheBeginningIsMalformed) {
    parsed p = parse_lines("10000000000000000-10000000000001000 r--p 00000000 00:00 0\n"
                           "1000-2000 r--p 00000000 00:00 0 /ok\n");
    EXPECT_EQ(p.malformed, 1u);
    ASSERT_EQ(p.mappings.size(), 1u);
    EXPECT_EQ(p.mappings[0].path, "/ok");
}

TEST(MappingsParser, LargestValuesAreAccepted) {
    parsed p = parse_lines(
        "fffffffffffff000-ffffffffffffffff rwxs ffffffffffffffff ffffffff:ffffffff 18446744073709551615 /max\n");
    EXPECT_EQ(p.malformed, 0u);
    ASSERT_EQ(p.mappings.size(), 1u);
    const mapping &m = p.mappings[0].m;
    EXPECT_EQ(m.start, 0xfffffffffffff000u);
    EXPECT_EQ(m.end, 0xffffffffffffffffu);
    EXPECT_EQ(m.prot, PROT_READ | PROT_WRITE | PROT_EXEC);
    EXPECT_TRUE(m.shared);
    EXPECT_EQ(m.offset, UINT64_MAX);
    EXPECT_EQ(m.dev_major, 0xffffffffu);
    EXPECT_EQ(m.dev_minor, 0xffffffffu);
    EXPECT_EQ(m.inode, UINT64_MAX);
    EXPECT_EQ(p.mappings[0].path, "/max");
}

TEST(MappingsParser, EveryTruncationOfAHeaderBeforeTheInodeIsRejected) {
    const std::string header = "7f0000001000-7f0000003000 r-xp 0000a000 fe:01 12345     /lib/x.so";
    // The shortest acceptable line ends after the inode's first digit.
    size_t inode_first_digit_end = header.find("12345") + 1;
    for (size_t length = 1; length < header.size(); ++length) {
        SCOPED_TRACE(header.substr(0, length));
        // parse_text on a std::string: the bytes past the cut stay readable
        // (the over-read is HeaderPrefixesNeverReadPastTheirEnd).
        parsed p = parse_text(header.substr(0, length));
        if (length < inode_first_digit_end) {
            EXPECT_EQ(p.mappings.size(), 0u);
            EXPECT_EQ(p.malformed, 1u);
        } else if (length < header.find("/lib")) {
            ASSERT_EQ(p.mappings.size(), 1u);
            EXPECT_EQ(p.mappings[0].path, "");
            size_t digits = std::min<size_t>(length - header.find("12345"), 5);
            EXPECT_EQ(p.mappings[0].m.inode, std::stoull(std::string("12345").substr(0, digits)));
            EXPECT_EQ(p.mappings[0].m.dev_minor, 1u);
            EXPECT_EQ(p.mappings[0].m.offset, 0xa000u);
        } else {
            // Cut inside the path: a shorter path, still a mapping.
            ASSERT_EQ(p.mappings.size(), 1u);
            EXPECT_EQ(p.malformed, 0u);
            EXPECT_EQ(p.mappings[0].path, header.substr(header.find("/lib"), length - header.find("/lib")));
        }
    }
}

// Places a line at the very end of a readable page followed by a PROT_NONE
// page, so a parser that reads one byte past the line faults.
class guarded_line {
public:
    explicit guarded_line(const std::string &line) {
        page_ = static_cast<size_t>(sysconf(_SC_PAGESIZE));
        size_t pages = (line.size() + page_ - 1) / page_ + 1;
        map_length_ = (pages + 1) * page_;
        base_ = static_cast<char *>(mmap(nullptr, map_length_, PROT_READ | PROT_WRITE,
                                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
        if (base_ == MAP_FAILED) abort();
        mprotect(base_ + pages * page_, page_, PROT_NONE);
        data_ = base_ + pages * page_ - line.size();
        memcpy(data_, line.data(), line.size());
    }
    ~guarded_line() { munmap(base_, map_length_); }
    const char *data() const { return data_; }

private:
    size_t page_ = 0;
    size_t map_length_ = 0;
    char *base_ = nullptr;
    char *data_ = nullptr;
};

bool count_only(const mapping &, void *context) {
    ++*static_cast<size_t *>(context);
    return true;
}

// Feeds every prefix of several lines from guarded memory in a child
// process: exit 0 means no byte past any line was read.
void feed_every_prefix_guarded(const std::vector<std::string> &lines) {
    for (const std::string &line : lines) {
        for (size_t length = 1; length <= line.size(); ++length) {
            std::string prefix = line.substr(0, length);
            guarded_line guarded(prefix);
            size_t seen = 0;
            mappings_parser parser(count_only, &seen);
            parser.feed_line(guarded.data(), prefix.size());
            parser.finish();
            parse_mappings_text(guarded.data(), prefix.size(), count_only, &seen);
        }
    }
}

TEST(MappingsParser, DetailLinesNeverReadPastTheirEnd) {
    EXPECT_EXIT(
        {
            feed_every_prefix_guarded({"VmFlags: rd wr sl", "Size:   123 kB", "Rss: 1", "Anonymous: 99999 kB",
                                       "AnonHugePages: 0 kB", "garbage"});
            // Also after a header, where detail lines are interpreted.
            for (const char *detail : {"VmFlags: rd wr sl", "VmFlags: s", "Size: 12", "Rss:", "Anonymous:  7"}) {
                std::string d(detail);
                for (size_t length = 1; length <= d.size(); ++length) {
                    guarded_line guarded(d.substr(0, length));
                    size_t seen = 0;
                    mappings_parser parser(count_only, &seen);
                    parser.feed_line("1000-2000 r--p 0 0:0 0", 22);
                    parser.feed_line(guarded.data(), length);
                    parser.finish();
                    if (seen != 1) exit(3);
                }
            }
            exit(0);
        },
        ::testing::ExitedWithCode(0), "");
}

// Regression (fixed): parse_header reads
// the second permission character as c.at[1] after checking only that
// c.at < c.end, so a line that ends right after its first permission
// character ("0-0 r") is read one byte past its end (found by libFuzzer with
// ASan: heap-buffer-overflow in mappings_parser.cpp parse_header).
TEST(MappingsParser, HeaderPrefixesNeverReadPastTheirEnd) {
    EXPECT_EXIT(
        {
            feed_every_prefix_guarded({"7f0000001000-7f0000003000 r-xp 0000a000 fe:01 12345     /lib/x.so",
                                       "0-0 r", "0-0 rw", "0-0 rwx", "0-0 rwxp"});
            exit(0);
        },
        ::testing::ExitedWithCode(0), "");
}

TEST(MappingsParser, DetailLinesBeforeAnyHeaderAreMalformed) {
    parsed p = parse_lines(read_file("handmade_details_first.smaps"));
    EXPECT_EQ(p.malformed, 3u);
    ASSERT_EQ(p.mappings.size(), 1u);
    // The orphan "VmFlags: rd sl" must not seal the first real mapping.
    EXPECT_FALSE(p.mappings[0].m.sealed);
    EXPECT_TRUE(p.mappings[0].m.has_vmflags);
    EXPECT_EQ(p.mappings[0].m.size_kib, 4u);
    EXPECT_EQ(p.mappings[0].m.rss_kib, 0u);
}

TEST(MappingsParser, BadDetailValuesAreCountedAndLeaveTheFieldAlone) {
    parsed p = parse_lines(
        "1000-3000 rw-p 00000000 00:00 0\n"
        "Size: many kB\n"
        "Rss: -4 kB\n"
        "Anonymous: 99999999999999999999999 kB\n"
        "not a key value line\n"
        "Unknown_Key: whatever\n"
        "VmFlags: rd wr\n");
    EXPECT_EQ(p.malformed, 4u);
    ASSERT_EQ(p.mappings.size(), 1u);
    EXPECT_EQ(p.mappings[0].m.size_kib, 0u);
    EXPECT_EQ(p.mappings[0].m.rss_kib, 0u);
    EXPECT_EQ(p.mappings[0].m.anonymous_kib, 0u);
    EXPECT_TRUE(p.mappings[0].m.has_vmflags);
}

TEST(MappingsParser, GarbageLineOf200KiBIsMalformedAndDoesNotBreakFollowingMappings) {
    // Printable bytes with no ':' and no newline, after a mapping (so it is
    // judged as a detail line) and again before any mapping.
    std::string garbage;
    uint32_t state = 12345;
    while (garbage.size() < 200 * 1024) {
        state = state * 1103515245 + 12345;
        char c = static_cast<char>(' ' + (state >> 16) % 95);
        if (c != ':') garbage += c;
    }
    std::string text = garbage + "\n" + "1000-2000 r--p 00000000 00:00 0 /a\nSize: 4 kB\n" + garbage + "\n" +
                       "2000-3000 r-xp 00000000 00:00 0 /b\nSize: 4 kB\nVmFlags: rd ex sl \n" +
                       "3000-4000 rw-p 00000000 00:00 0 /c\n";
    parsed p = parse_lines(text);
    EXPECT_EQ(p.malformed, 2u);
    ASSERT_EQ(p.mappings.size(), 3u);
    EXPECT_EQ(p.mappings[0].path, "/a");
    EXPECT_EQ(p.mappings[0].m.size_kib, 4u);
    EXPECT_EQ(p.mappings[1].path, "/b");
    EXPECT_TRUE(p.mappings[1].m.sealed);
    EXPECT_EQ(p.mappings[2].path, "/c");
    EXPECT_EQ(p.mappings[2].m.prot, PROT_READ | PROT_WRITE);
}

TEST(MappingsParser, HeaderWith200KiBPathIsParsed) {
    std::string path = "/" + std::string(200 * 1024, 'p');
    parsed p = parse_lines("1000-2000 r--p 00000000 00:00 7 " + path + " (deleted)\n2000-3000 r--p 0 0:0 0\n");
    EXPECT_EQ(p.malformed, 0u);
    ASSERT_EQ(p.mappings.size(), 2u);
    EXPECT_EQ(p.mappings[0].path, path);
    EXPECT_TRUE(p.mappings[0].m.deleted);
    EXPECT_EQ(p.mappings[1].path, "");
}

TEST(MappingsParser, BlankLinesAndAMissingFinalNewlineAreFine) {
    parsed p = parse_lines("\n1000-2000 r--p 00000000 00:00 0 /a\n\n\n2000-3000 r--p 00000000 00:00 0 /b");
    EXPECT_EQ(p.malformed, 0u);
    ASSERT_EQ(p.mappings.size(), 2u);
    EXPECT_EQ(p.mappings[1].path, "/b");
}

TEST(MappingsParser, DeletedSuffixOnlyAtTheEnd) {
    parsed p = parse_lines(
        "1000-2000 r--p 0 fe:00 5 /x (deleted)/y.so\n"
        "2000-3000 r--p 0 fe:00 5 /x(deleted)\n"
        "3000-4000 r--p 0 fe:00 5  (deleted)\n");
    ASSERT_EQ(p.mappings.size(), 3u);
    EXPECT_EQ(p.mappings[0].path, "/x (deleted)/y.so");
    EXPECT_FALSE(p.mappings[0].m.deleted);
    EXPECT_EQ(p.mappings[1].path, "/x(deleted)");
    EXPECT_FALSE(p.mappings[1].m.deleted);
    // Padding spaces are eaten first, so " (deleted)" alone is a path
    // "(deleted)" without the separating space: not the suffix.
    EXPECT_EQ(p.mappings[2].path, "(deleted)");
    EXPECT_FALSE(p.mappings[2].m.deleted);
}

struct stop_after {
    size_t limit;
    size_t seen = 0;
};

bool stop_after_limit(const mapping &, void *context) {
    auto *s = static_cast<stop_after *>(context);
    ++s->seen;
    return s->seen < s->limit;
}

TEST(MappingsParser, VisitorThatStopsEarlyStopsTheParser) {
    std::string text = read_file("captured.smaps");
    ASSERT_GT(count_header_lines(text), 5u);
    stop_after stop{3};
    mappings_parser parser(stop_after_limit, &stop);
    std::vector<std::string> lines = split_lines(text);
    size_t fed = 0;
    bool going = true;
    for (const std::string &line : lines) {
        going = parser.feed_line(line.data(), line.size());
        ++fed;
        if (!going) break;
    }
    EXPECT_FALSE(going);
    EXPECT_LT(fed, lines.size());
    EXPECT_EQ(stop.seen, 3u);
    EXPECT_EQ(parser.mappings_seen(), 3u);
    // Once stopped, more lines and finish() deliver nothing.
    EXPECT_FALSE(parser.feed_line(lines[0].data(), lines[0].size()));
    EXPECT_FALSE(parser.finish());
    EXPECT_EQ(stop.seen, 3u);

    stop_after whole{2};
    parse_mappings_text(text.data(), text.size(), stop_after_limit, &whole);
    EXPECT_EQ(whole.seen, 2u);
    stop_after first{1};
    parse_mappings_text(text.data(), text.size(), stop_after_limit, &first);
    EXPECT_EQ(first.seen, 1u);
}

TEST(MappingsParser, VisitorStoppingAtTheLastMappingViaFinish) {
    stop_after stop{1};
    mappings_parser parser(stop_after_limit, &stop);
    const char header[] = "1000-2000 r--p 00000000 00:00 0";
    EXPECT_TRUE(parser.feed_line(header, strlen(header)));
    EXPECT_EQ(stop.seen, 0u) << "a mapping is delivered only when the next header or finish() ends it";
    EXPECT_FALSE(parser.finish());
    EXPECT_EQ(stop.seen, 1u);
}

}  // namespace
