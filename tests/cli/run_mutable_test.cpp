// `sealkit run` leaves PT_GNU_MUTABLE (0x6474f555) and PT_OPENBSD_MUTABLE
// (0x65a3dbe5) ranges unsealed and seals the pages around them, on each
// backend. tests/programs/startup_mutable_target.c holds one page that can
// be mutable between two ordinary data pages; the build writes the header
// into copies of it (tests/attacks/mark_mutable_range.c), and the program
// prints which header it carries and what mprotect, mremap and munmap did
// to each page. Started directly every call works on every page, so each
// refusal is the seal's doing; without a header the middle page is sealed
// too, so the header is what leaves it changeable.
#include <gtest/gtest.h>

#include <sstream>
#include <tuple>

#include "backend_cases.h"
#include "command_runner.h"

namespace {

using sealkit_test::command_result;
using sealkit_test::run_command;

const std::string kCli = SEALKIT_CLI;
const std::string kPrograms = SEALKIT_TEST_PROGRAMS;

std::vector<sealkit_test::environment_change> clean() {
    std::vector<sealkit_test::environment_change> env;
    for (const char *name : {"LD_PRELOAD", "SEALKIT_BACKEND", "SEALKIT_RELRO", "SEALKIT_ENFORCE", "SEALKIT_QUIET",
                             "SEALKIT_REPORT", "SEALKIT_REPORT_FORMAT", "SEALKIT_VDSO", "SEALKIT_ONLY_MARKED",
                             "SEALKIT_LOCKDOWN", "SEALKIT_DLOPEN"})
        env.push_back({name, "", true});
    return env;
}

struct mutable_program {
    const char *program;
    const char *header;  // as the program prints it
};

void PrintTo(const mutable_program &p, std::ostream *out) { *out << p.program; }

const mutable_program kGnu{"startup_gnu_mutable_target", "0x6474f555"};
const mutable_program kOpenBsd{"startup_openbsd_mutable_target", "0x65a3dbe5"};

// "key value" lines, by key.
std::string field(const std::string &output, const std::string &key) {
    std::istringstream in(output);
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(key + " ", 0) == 0) return line.substr(key.size() + 1);
    return "(no line \"" + key + "\")";
}

const char *const kCalls[] = {"mprotect", "mremap", "munmap"};

class RunMutable : public ::testing::TestWithParam<std::tuple<std::string, mutable_program>> {
protected:
    void SetUp() override { SKIP_UNLESS_BACKEND_WORKS_HERE(std::get<0>(GetParam())); }
};

TEST_P(RunMutable, TheMutablePageStaysChangeableAndItsNeighboursAreSealed) {
    const auto &[backend, fixture] = GetParam();
    command_result r = run_command({kCli, "run", "--enforce", "--backend=" + backend, "--report", "--",
                                    kPrograms + "/" + fixture.program},
                                   clean());
    ASSERT_EQ(r.exit_status, 0) << r.out << r.err;
    EXPECT_NE(r.err.find("(backend " + backend + ")\n"), std::string::npos) << r.err;
    EXPECT_EQ(field(r.out, "header"), fixture.header) << "the build did not mark the program: " << r.out;
    for (const char *call : kCalls) {
        EXPECT_EQ(field(r.out, std::string("mutable-") + call), "ok") << r.out << r.err;
        EXPECT_EQ(field(r.out, std::string("before-") + call), strerror(EPERM)) << r.out;
        EXPECT_EQ(field(r.out, std::string("after-") + call), strerror(EPERM)) << r.out;
    }
}

INSTANTIATE_TEST_SUITE_P(On, RunMutable, ::testing::Combine(sealkit_test::each_backend(), ::testing::Values(kGnu, kOpenBsd)),
                         [](const ::testing::TestParamInfo<std::tuple<std::string, mutable_program>> &param) {
                             return std::get<0>(param.param) + "_" + std::get<1>(param.param).program;
                         });

// Without a mutable header the same page is sealed like its neighbours.
class RunWithoutMutableHeader : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override { SKIP_UNLESS_BACKEND_WORKS_HERE(GetParam()); }
};

TEST_P(RunWithoutMutableHeader, TheMiddlePageIsSealedToo) {
    command_result r = run_command(
        {kCli, "run", "--enforce", "--backend=" + GetParam(), "--", kPrograms + "/startup_mutable_target"}, clean());
    ASSERT_EQ(r.exit_status, 0) << r.out << r.err;
    EXPECT_EQ(field(r.out, "header"), "0") << r.out;
    for (const char *page : {"mutable", "before", "after"})
        for (const char *call : kCalls)
            EXPECT_EQ(field(r.out, std::string(page) + "-" + call), strerror(EPERM)) << r.out;
}

INSTANTIATE_TEST_SUITE_P(On, RunWithoutMutableHeader, sealkit_test::each_backend(), sealkit_test::backend_case_name);

// The control: without sealkit every call works on every page.
class RunMutableControl : public ::testing::TestWithParam<mutable_program> {};

TEST_P(RunMutableControl, EveryPageCanBeChangedWithoutSealkit) {
    command_result r = run_command({kPrograms + "/" + GetParam().program}, clean());
    ASSERT_EQ(r.exit_status, 0) << r.out << r.err;
    EXPECT_EQ(field(r.out, "header"), GetParam().header) << r.out;
    for (const char *page : {"mutable", "before", "after"})
        for (const char *call : kCalls) EXPECT_EQ(field(r.out, std::string(page) + "-" + call), "ok") << r.out;
}

INSTANTIATE_TEST_SUITE_P(Programs, RunMutableControl,
                         ::testing::Values(kGnu, kOpenBsd, mutable_program{"startup_mutable_target", "0"}),
                         [](const ::testing::TestParamInfo<mutable_program> &param) {
                             return std::string(param.param.program);
                         });

}  // namespace
