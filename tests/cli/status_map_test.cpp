// `sealkit status --map PID`: one line per region (adjacent mappings of one
// object with one seal state merged), a bar two cells per doubling of the
// size, '#' for sealed and '.' for unsealed, address, size and name. Checked
// against status_target, which seals known ranges, and against the test's
// own reading of /proc/PID/smaps.
#include <unistd.h>

#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cli/command_runner.h"
#include "cli/status_facts.h"
#include "system/syscalls.h"

namespace {

using sealkit_test::command_result;
using sealkit_test::lines_of;
using sealkit_test::run_command;
using sealkit_test::running_program;

const std::string kTarget = std::string(SEALKIT_TEST_PROGRAMS) + "/status_target";

struct map_line {
    unsigned long long address = 0;
    std::string size;  // "8 KiB", as printed
    std::string state;
    size_t mappings = 0;
    std::string bar;
    std::string name;
};

// The region lines of a --map picture (between the header and the legend).
std::vector<map_line> region_lines(const std::string &out) {
    std::vector<map_line> regions;
    for (const std::string &line : lines_of(out)) {
        std::istringstream fields(line);
        map_line r;
        std::string address, number, unit;
        if (!(fields >> address >> number >> unit >> r.state >> r.mappings >> r.bar)) continue;
        if (address.find_first_not_of("0123456789abcdef") != std::string::npos) continue;
        r.address = std::stoull(address, nullptr, 16);
        r.size = number + " " + unit;
        std::getline(fields, r.name);
        r.name.erase(0, r.name.find_first_not_of(' '));
        regions.push_back(r);
    }
    return regions;
}

// Bytes of a size printed without decimals ("132 KiB"), or 0 when rounded.
unsigned long long exact_bytes(const std::string &size) {
    std::istringstream in(size);
    double number;
    std::string unit;
    in >> number >> unit;
    if (size.find('.') != std::string::npos) return 0;
    unsigned long long scale = unit == "B" ? 1 : unit == "KiB" ? 1ull << 10 : unit == "MiB" ? 1ull << 20 : 1ull << 30;
    return static_cast<unsigned long long>(number) * scale;
}

size_t expected_cells(unsigned long long bytes) {
    unsigned long long pages = (bytes + sysconf(_SC_PAGESIZE) - 1) / sysconf(_SC_PAGESIZE);
    size_t doublings = 0;
    while (pages > 1) pages >>= 1, ++doublings;
    return std::min<size_t>(64, 2 * (doublings + 1));
}

class StatusMap : public ::testing::Test {
protected:
    void SetUp() override {
        if (sealkit::sys::probe_seal_support() != 0) GTEST_SKIP() << "this kernel has no mseal(2)";
    }
};

TEST_F(StatusMap, DrawsTheSealedPagesBetweenUnsealedOnes) {
    running_program target({kTarget});
    ASSERT_TRUE(target.ready());
    command_result run = run_command({SEALKIT_CLI, "status", "--map", std::to_string(target.pid())});
    ASSERT_EQ(run.exit_status, 0) << run.err;
    EXPECT_EQ(run.err, "");
    EXPECT_EQ(run.out.find('\033'), std::string::npos) << "no colour into a pipe";
    EXPECT_TRUE(run.out.starts_with("PID " + std::to_string(target.pid()) + " (status_target) ")) << run.out;
    std::vector<map_line> regions = region_lines(run.out);
    ASSERT_GE(regions.size(), 5u) << run.out;

    // The two sealed anonymous pages, and unsealed anonymous memory on both
    // sides of them (the other two pages of the same mapping).
    unsigned long long sealed_start = target.number("anonymous_sealed_start");
    size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    size_t at = regions.size();
    for (size_t i = 0; i < regions.size(); ++i)
        if (regions[i].address == sealed_start) at = i;
    ASSERT_LT(at, regions.size()) << "no region starts at " << std::hex << sealed_start << "\n" << run.out;
    EXPECT_EQ(regions[at].state, "sealed");
    EXPECT_EQ(exact_bytes(regions[at].size), 2 * page);
    EXPECT_EQ(regions[at].bar, std::string(4, '#'));
    EXPECT_EQ(regions[at].name, "anonymous");
    ASSERT_GT(at, 0u);
    ASSERT_LT(at + 1, regions.size());
    EXPECT_EQ(regions[at - 1].state, "unsealed");
    EXPECT_EQ(regions[at - 1].name, "anonymous");
    EXPECT_EQ(regions[at + 1].address, sealed_start + 2 * page);
    EXPECT_EQ(regions[at + 1].state, "unsealed");

    // The executable: sealed code and read-only data, then the unsealed
    // RELRO page(s) and data around one sealed data page.
    size_t exe_sealed = 0, exe_unsealed = 0;
    for (const map_line &r : regions) {
        if (r.name.find("/status_target") == std::string::npos) continue;
        (r.state == "sealed" ? exe_sealed : exe_unsealed) += 1;
    }
    EXPECT_GE(exe_sealed, 2u) << run.out;    // code and rodata, then the data page
    EXPECT_GE(exe_unsealed, 1u) << run.out;  // RELRO and the rest of the data
}

TEST_F(StatusMap, MergesAdjacentMappingsAndScalesBarsByLog) {
    running_program target({kTarget});
    ASSERT_TRUE(target.ready());
    command_result run = run_command({SEALKIT_CLI, "status", "--map", std::to_string(target.pid())});
    ASSERT_EQ(run.exit_status, 0) << run.err;
    std::vector<map_line> regions = region_lines(run.out);
    sealkit_test::smaps_facts facts = sealkit_test::read_smaps_facts(target.pid());

    size_t mappings = 0;
    for (const map_line &r : regions) mappings += r.mappings;
    EXPECT_EQ(mappings, facts.mappings) << "every mapping is in exactly one region";
    EXPECT_LT(regions.size(), facts.mappings) << "libraries' mappings are merged";
    for (size_t i = 0; i < regions.size(); ++i) {
        const map_line &r = regions[i];
        EXPECT_TRUE(r.state == "sealed" || r.state == "unsealed") << r.state;
        char mark = r.state == "sealed" ? '#' : '.';
        EXPECT_EQ(r.bar.find_first_not_of(mark), std::string::npos) << r.bar;
        if (unsigned long long bytes = exact_bytes(r.size)) {
            EXPECT_EQ(r.bar.size(), expected_cells(bytes)) << r.size;
        }
        if (i > 0) {
            EXPECT_GT(r.address, regions[i - 1].address) << "in address order";
            // A neighbour of the same object and state would have been merged
            // unless there is a hole between them.
            unsigned long long previous_end = regions[i - 1].address + exact_bytes(regions[i - 1].size);
            if (exact_bytes(regions[i - 1].size) && previous_end == r.address) {
                EXPECT_FALSE(r.name == regions[i - 1].name && r.state == regions[i - 1].state)
                    << "unmerged neighbours at " << std::hex << r.address;
            }
        }
    }
    // A bigger region never has a shorter bar.
    for (const map_line &a : regions)
        for (const map_line &b : regions)
            if (exact_bytes(a.size) && exact_bytes(b.size) && exact_bytes(a.size) < exact_bytes(b.size)) {
                EXPECT_LE(a.bar.size(), b.bar.size()) << a.size << " vs " << b.size;
            }
    EXPECT_NE(run.out.find("'#' sealed, '.' unsealed"), std::string::npos) << "a legend";
    EXPECT_TRUE(lines_of(run.out).back().ends_with("of file-backed bytes sealed")) << run.out;
}

TEST_F(StatusMap, DrawsEachPidInTurn) {
    running_program target({kTarget});
    ASSERT_TRUE(target.ready());
    command_result run = run_command({SEALKIT_CLI, "status", "--map", "self", std::to_string(target.pid())});
    ASSERT_EQ(run.exit_status, 0) << run.err;
    EXPECT_NE(run.out.find("(sealkit)"), std::string::npos);
    EXPECT_NE(run.out.find("\n\nPID " + std::to_string(target.pid()) + " (status_target)"), std::string::npos);
}

}  // namespace
