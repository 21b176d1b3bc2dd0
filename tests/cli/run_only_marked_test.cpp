// `sealkit run --only-marked` (SEALKIT_ONLY_MARKED=1), glibc's opt-in rule:
// nothing is sealed unless the executable carries GNU_PROPERTY_MEMORY_SEAL,
// and then only the objects that carry it too. The programs and libraries
// are tests/only_marked/: a marked and an unmarked program, each linked with
// a marked and an unmarked library; each prints, per object, whether its
// text is sealed (an mprotect to the page's own protection, refused by a
// seal on either backend).
#include <gtest/gtest.h>

#include <sstream>

#include "backend_cases.h"
#include "command_runner.h"

namespace {

using sealkit_test::command_result;
using sealkit_test::run_command;

const std::string kCli = SEALKIT_CLI;
const std::string kDirectory = std::string(SEALKIT_TEST_PROGRAMS) + "/only_marked/";

std::vector<sealkit_test::environment_change> clean() {
    std::vector<sealkit_test::environment_change> env;
    for (const char *name : {"LD_PRELOAD", "SEALKIT_BACKEND", "SEALKIT_RELRO", "SEALKIT_ENFORCE", "SEALKIT_QUIET",
                             "SEALKIT_REPORT", "SEALKIT_REPORT_FORMAT", "SEALKIT_VDSO", "SEALKIT_ONLY_MARKED",
                             "SEALKIT_LOCKDOWN", "SEALKIT_DLOPEN"})
        env.push_back({name, "", true});
    return env;
}

const std::string kNothingSealed =
    "program unsealed\nmarked-library unsealed\nunmarked-library unsealed\nlibc unsealed\n";
const std::string kEverythingSealed = "program sealed\nmarked-library sealed\nunmarked-library sealed\nlibc sealed\n";

class RunOnlyMarked : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override { SKIP_UNLESS_BACKEND_WORKS_HERE(GetParam()); }

    command_result run(const std::string &program, bool only_marked) {
        std::vector<std::string> argv{kCli, "run", "--backend=" + GetParam(), "--report"};
        if (only_marked) argv.push_back("--only-marked");
        argv.insert(argv.end(), {"--", kDirectory + program});
        command_result r = run_command(argv, clean());
        EXPECT_EQ(r.exit_status, 0) << r.out << r.err;
        EXPECT_NE(r.err.find("(backend " + GetParam() + ")\n"), std::string::npos) << r.err;
        return r;
    }
};

TEST_P(RunOnlyMarked, InAMarkedProgramTheMarkedLibraryIsSealedAndTheUnmarkedOneIsNot) {
    command_result r = run("only_marked_program", true);
    EXPECT_EQ(r.out, "program sealed\nmarked-library sealed\nunmarked-library unsealed\nlibc unsealed\n") << r.err;
}

TEST_P(RunOnlyMarked, InAnUnmarkedProgramNothingIsSealedNotEvenTheMarkedLibrary) {
    command_result r = run("only_unmarked_program", true);
    EXPECT_EQ(r.out, kNothingSealed) << r.err;
}

// The controls: without --only-marked every object of either program is
// sealed, so the probe sees seals on this backend.
TEST_P(RunOnlyMarked, WithoutTheOptionEveryObjectOfEitherProgramIsSealed) {
    for (const char *program : {"only_marked_program", "only_unmarked_program"}) {
        command_result r = run(program, false);
        EXPECT_EQ(r.out, kEverythingSealed) << program << "\n" << r.err;
    }
}

INSTANTIATE_TEST_SUITE_P(On, RunOnlyMarked, sealkit_test::each_backend(), sealkit_test::backend_case_name);

// And started directly, nothing is sealed: the probe sees unsealed text.
TEST(RunOnlyMarkedControl, StartedDirectlyNothingIsSealed) {
    for (const char *program : {"only_marked_program", "only_unmarked_program"}) {
        command_result r = run_command({kDirectory + program}, clean());
        EXPECT_EQ(r.exit_status, 0) << r.err;
        EXPECT_EQ(r.out, kNothingSealed) << program;
    }
}

}  // namespace
