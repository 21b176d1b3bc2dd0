// mappings_stream (src/procfs/mappings_stream.h): the same text, cut into
// chunks anywhere, must give exactly what parsing it whole gives: every
// mapping with the same fields, the same malformed count, NUL bytes and
// lines longer than a chunk included; and a visitor that stops is obeyed
// whichever chunk it stops in.
#include <errno.h>
#include <gtest/gtest.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "procfs/mappings_parser.h"
#include "procfs/mappings_stream.h"

namespace {

using sealkit::procfs::mapping;
using sealkit::procfs::mappings_stream;
using sealkit::procfs::read_result;

struct seen {
    std::vector<std::string> rows;
    size_t stop_after = SIZE_MAX;
};

bool collect(const mapping &m, void *context) {
    auto *s = static_cast<seen *>(context);
    char row[160];
    snprintf(row, sizeof row, "%lx-%lx %d %d %d %lu %lu %lu %lu %d %d %d|", static_cast<unsigned long>(m.start),
             static_cast<unsigned long>(m.end), m.prot, m.shared, m.sealed, static_cast<unsigned long>(m.inode),
             static_cast<unsigned long>(m.size_kib), static_cast<unsigned long>(m.rss_kib),
             static_cast<unsigned long>(m.anonymous_kib), m.has_details, m.has_vmflags, m.deleted);
    s->rows.push_back(std::string(row) + std::string(m.path, m.path_length));
    return s->rows.size() < s->stop_after;
}

std::string read_own_smaps() {
    std::string text;
    FILE *f = fopen("/proc/self/smaps", "r");
    if (f == nullptr) return text;
    char buffer[65536];
    size_t got;
    while ((got = fread(buffer, 1, sizeof buffer, f)) > 0) text.append(buffer, got);
    fclose(f);
    return text;
}

// The text fed in chunks whose sizes come from `random` (1 byte to 3x the
// longest line, so lines are cut everywhere and some chunks hold many).
read_result fed_in_chunks(const std::string &text, std::mt19937_64 &random, seen &out) {
    mappings_stream stream(collect, &out);
    size_t at = 0;
    while (at < text.size()) {
        size_t n = random() % 4 == 0 ? 1 + random() % 8 : 1 + random() % 3000;
        if (n > text.size() - at) n = text.size() - at;
        if (!stream.feed(text.data() + at, n)) break;
        at += n;
    }
    return stream.finish(0);
}

TEST(MappingsStream, ChunksCutAnywhereGiveWhatTheWholeTextGives) {
    std::string text = read_own_smaps();
    ASSERT_GT(text.size(), 1000u);
    // Malformed lines, a NUL inside a line, a path with spaces, and a last
    // line without its '\n'.
    text += "zzzz-yyyy nonsense\n";
    text += std::string("7f0000000000-7f0000001000 r--p 00000000 00:00 0   with\0nul\n", 60);
    text += "7f0000002000-7f0000003000 r--p 00000000 08:01 42   /a path/with spaces\n";
    text += "VmFlags: rd mr sl\n";
    text += "7f0000004000-7f0000005000 rw-p 00000000 00:00 0";
    seen whole;
    const size_t malformed = sealkit::procfs::parse_mappings_text(text.data(), text.size(), collect, &whole);
    ASSERT_GT(whole.rows.size(), 10u);
    for (uint64_t seed = 0; seed < 200; ++seed) {
        std::mt19937_64 random(seed);
        seen chunked;
        const read_result r = fed_in_chunks(text, random, chunked);
        ASSERT_EQ(r.error, 0);
        ASSERT_FALSE(r.stopped_by_visitor);
        ASSERT_EQ(r.malformed_lines, malformed) << "seed " << seed;
        ASSERT_EQ(chunked.rows, whole.rows) << "seed " << seed;
        ASSERT_EQ(r.mappings, whole.rows.size());
    }
}

TEST(MappingsStream, AVisitorThatStopsIsObeyedInWhicheverChunkItStops) {
    const std::string text = read_own_smaps();
    for (uint64_t seed = 0; seed < 50; ++seed) {
        std::mt19937_64 random(seed);
        seen chunked;
        chunked.stop_after = 1 + seed % 7;
        const read_result r = fed_in_chunks(text, random, chunked);
        EXPECT_TRUE(r.stopped_by_visitor);
        EXPECT_EQ(chunked.rows.size(), chunked.stop_after) << "no mapping after the visitor said stop";
    }
}

TEST(MappingsStream, ALineOverOneMiBIsOneMalformedLineWhateverTheChunks) {
    std::string text = "7f0000002000-7f0000003000 r--p 00000000 08:01 42   /lib/a\n";
    text += std::string(1100 * 1024, 'x') + "\n";
    text += "7f0000004000-7f0000005000 r--p 00000000 08:01 43   /lib/b\n";
    std::mt19937_64 random(1);
    seen chunked;
    const read_result r = fed_in_chunks(text, random, chunked);
    EXPECT_EQ(r.malformed_lines, 1u);
    ASSERT_EQ(chunked.rows.size(), 2u);
    EXPECT_NE(chunked.rows[1].find("/lib/b"), std::string::npos);
}

// The limit is a line of 1 MiB (without its '\n'), as the reader before
// mappings_stream had it: one byte less is a mapping with a long path.
TEST(MappingsStream, ALineOfExactlyOneMiBIsMalformedOneByteLessIsParsed) {
    const std::string head = "7f0000002000-7f0000003000 r--p 00000000 08:01 42   /";
    for (const size_t line : {size_t{1024 * 1024}, size_t{1024 * 1024 - 1}}) {
        const std::string text = head + std::string(line - head.size(), 'p') + "\n" +
                                 "7f0000004000-7f0000005000 r--p 00000000 08:01 43   /lib/b\n";
        for (const bool whole : {true, false}) {  // in one chunk, or cut
            seen s;
            mappings_stream stream(collect, &s);
            if (whole) {
                stream.feed(text.data(), text.size());
            } else {
                for (size_t at = 0; at < text.size(); at += 65536)
                    stream.feed(text.data() + at, std::min<size_t>(65536, text.size() - at));
            }
            const read_result r = stream.finish(0);
            const bool parsed = line < 1024 * 1024;
            EXPECT_EQ(r.malformed_lines, parsed ? 0u : 1u) << line << (whole ? " whole" : " cut");
            EXPECT_EQ(s.rows.size(), parsed ? 2u : 1u) << line << (whole ? " whole" : " cut");
        }
    }
}

TEST(MappingsStream, TheReadErrorGivenToFinishIsReported) {
    seen s;
    mappings_stream stream(collect, &s);
    const std::string line = "7f0000002000-7f0000003000 r--p 00000000 08:01 42   /lib/a\n";
    ASSERT_TRUE(stream.feed(line.data(), line.size()));
    const read_result r = stream.finish(-EACCES);
    EXPECT_EQ(r.error, -EACCES);
    EXPECT_EQ(r.mappings, 1u);
}

}  // namespace
