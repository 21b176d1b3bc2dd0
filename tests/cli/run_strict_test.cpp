// `sealkit run --relro=strict` (SEALKIT_RELRO=strict): RELRO moved to
// anonymous memory as by default, and every sealed image range strict as
// sealkit_seal_strict makes it: a discard madvise on the program's own
// file-backed text or rodata is refused (EPERM) on both backends, where the
// plain seal lets it through (the kernel allows discarding sealed file
// mappings, so the control case shows what strict adds). The default path
// installs no seccomp filter on the kernel backend; the report says strict.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <string>
#include <vector>

#include "backend_cases.h"
#include "command_runner.h"

namespace {

using sealkit_test::command_result;
using sealkit_test::environment_change;
using sealkit_test::run_command;

const std::string kCli = SEALKIT_CLI;
const std::string kTarget = std::string(SEALKIT_TEST_PROGRAMS) + "/strict_discard_target";

std::vector<environment_change> clean() {
    std::vector<environment_change> env;
    for (const char *name : {"LD_PRELOAD", "SEALKIT_BACKEND", "SEALKIT_RELRO", "SEALKIT_ENFORCE", "SEALKIT_QUIET",
                             "SEALKIT_REPORT", "SEALKIT_REPORT_FORMAT", "SEALKIT_VDSO", "SEALKIT_ONLY_MARKED",
                             "SEALKIT_LOCKDOWN", "SEALKIT_DLOPEN"})
        env.push_back({name, "", true});
    return env;
}

command_result run_target(const std::string &backend, std::vector<std::string> options, const char *segment) {
    std::vector<std::string> argv{kCli, "run", "--enforce", "--backend=" + backend};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.insert(argv.end(), {"--", kTarget, segment});
    return run_command(argv, clean());
}

class RunStrict : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override { SKIP_UNLESS_BACKEND_WORKS_HERE(GetParam()); }
};

TEST_P(RunStrict, RefusesDiscardingTheProgramsOwnFileBackedTextAndRodata) {
    for (const char *segment : {"text", "rodata"}) {
        command_result strict = run_target(GetParam(), {"--relro=strict"}, segment);
        EXPECT_EQ(strict.exit_status, 0) << segment << ": " << strict.out << strict.err;
        EXPECT_NE(strict.out.find("refused: Operation not permitted"), std::string::npos) << strict.out;
    }
}

TEST_P(RunStrict, PlainSealingLetsTheSameDiscardThrough) {
    // The control: without strict the seal (kernel's or emulated) allows
    // discarding a private file mapping, so the strict case can fail.
    for (const char *segment : {"text", "rodata"}) {
        command_result plain = run_target(GetParam(), {}, segment);
        EXPECT_EQ(plain.exit_status, 1) << segment << ": " << plain.out << plain.err;
        EXPECT_NE(plain.out.find("discarded"), std::string::npos) << plain.out;
    }
}

TEST_P(RunStrict, TheEnvironmentTwinDoesTheSame) {
    std::vector<environment_change> env = clean();
    env.push_back({"LD_PRELOAD", SEALKIT_PRELOAD_LIBRARY});
    env.push_back({"SEALKIT_BACKEND", GetParam()});
    env.push_back({"SEALKIT_RELRO", "strict"});
    env.push_back({"SEALKIT_ENFORCE", "1"});
    command_result r = run_command({kTarget, "text"}, env);
    EXPECT_EQ(r.exit_status, 0) << r.out << r.err;
}

TEST_P(RunStrict, TheReportSaysStrictAndRelroIsStillMoved) {
    command_result text = run_target(GetParam(), {"--relro=strict", "--report"}, "text");
    EXPECT_EQ(text.exit_status, 0) << text.err;
    EXPECT_NE(text.err.find("(backend " + GetParam() + ", strict: every discard madvise refused)"), std::string::npos)
        << text.err;
    EXPECT_NE(text.err.find("RELRO moved to anonymous memory"), std::string::npos) << text.err;
    command_result json = run_target(GetParam(), {"--relro=strict", "--report", "--report-format=json"}, "text");
    EXPECT_EQ(json.exit_status, 0) << json.err;
    auto document = nlohmann::json::parse(json.err);
    EXPECT_TRUE(document.at("strict").get<bool>()) << json.err;
    EXPECT_EQ(document.at("images_failed").get<int>(), 0) << json.err;
    command_result plain = run_target(GetParam(), {"--report", "--report-format=json"}, "rodata");
    EXPECT_FALSE(nlohmann::json::parse(plain.err).at("strict").get<bool>()) << plain.err;
}

// A library dlopen'ed after start-up and sealed by the --dlopen policy is
// strict too: python3 loads libz with ctypes and discards its text.
const char *const kDiscardLibzText =
    "import ctypes, os\n"
    "lib = ctypes.CDLL('libz.so.1')\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]\n"
    "for line in open('/proc/self/maps'):\n"
    "    f = line.split()\n"
    "    if len(f) >= 6 and 'libz.so' in f[5] and f[1].startswith('r-x'):\n"
    "        start, end = (int(x, 16) for x in f[0].split('-'))\n"
    "        failed = libc.madvise(start, end - start, 4)  # MADV_DONTNEED\n"
    "        print('refused: ' + os.strerror(ctypes.get_errno()) if failed else 'discarded')\n"
    "        break\n"
    "else:\n"
    "    print('no libz text')\n";

TEST_P(RunStrict, ALibraryDlopenedLaterIsStrictToo) {
    struct stat st;
    if (stat("/usr/bin/python3", &st) != 0) GTEST_SKIP() << "/usr/bin/python3 is not installed";
    auto run = [&](std::vector<std::string> options) {
        std::vector<std::string> argv{kCli, "run", "--enforce", "--dlopen=pin", "--backend=" + GetParam()};
        argv.insert(argv.end(), options.begin(), options.end());
        argv.insert(argv.end(), {"--", "/usr/bin/python3", "-c", kDiscardLibzText});
        return run_command(argv, clean());
    };
    command_result strict = run({"--relro=strict"});
    EXPECT_EQ(strict.out, "refused: Operation not permitted\n") << strict.err;
    command_result plain = run({});
    EXPECT_EQ(plain.out, "discarded\n") << plain.err;
}

INSTANTIATE_TEST_SUITE_P(On, RunStrict, sealkit_test::each_backend(), sealkit_test::backend_case_name);

TEST(RunStrictKernel, TheDefaultPathInstallsNoFilterAndStrictOne) {
    SKIP_UNLESS_BACKEND_WORKS_HERE(std::string("kernel"));
    command_result plain = run_target("kernel", {}, "text");
    EXPECT_NE(plain.out.find("seccomp 0\n"), std::string::npos) << "no filter by default: " << plain.out;
    command_result strict = run_target("kernel", {"--relro=strict"}, "text");
    EXPECT_NE(strict.out.find("seccomp 2\n"), std::string::npos) << strict.out;
}

TEST(RunStrictOptions, AnUnknownRelroIsAUsageErrorNamingStrict) {
    command_result r = run_command({kCli, "run", "--relro=strcit", "--", "/bin/true"}, clean());
    EXPECT_EQ(r.exit_status, 2) << r.err;
    EXPECT_NE(r.err.find("strict"), std::string::npos) << r.err;
    std::vector<environment_change> env = clean();
    env.push_back({"LD_PRELOAD", SEALKIT_PRELOAD_LIBRARY});
    env.push_back({"SEALKIT_RELRO", "fiel"});
    command_result variable = run_command({"/bin/true"}, env);
    EXPECT_NE(variable.err.find("sealkit: SEALKIT_RELRO=fiel is not one of anonymous, file, strict; nothing was sealed"),
              std::string::npos)
        << variable.err;
}

TEST(RunStrictOptions, StrictUnderLockdownStillRefusesTheDiscard) {
    SKIP_UNLESS_BACKEND_WORKS_HERE(std::string("kernel"));
    command_result r = run_target("kernel", {"--relro=strict", "--lockdown"}, "text");
    EXPECT_EQ(r.exit_status, 0) << r.out << r.err;
    command_result plain = run_target("kernel", {"--lockdown"}, "text");
    EXPECT_EQ(plain.exit_status, 1) << plain.out << plain.err;
}

}  // namespace
