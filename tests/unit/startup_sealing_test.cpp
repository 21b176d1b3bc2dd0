// Startup sealing through libsealkit-preload.so, against the real kernel:
// every attack the docs say is blocked is performed on a program started
// with the preload (refused, memory intact), on the kernel backend and on
// the seccomp backend, and without it (succeeds), so each test can fail.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "cli/backend_cases.h"
#include "test_support.h"

namespace {

using sealkit_test::environment_change;
using sealkit_test::outcome;
using sealkit_test::program_path;
using sealkit_test::run_program;

const std::string kPreload = SEALKIT_PRELOAD_LIBRARY;

void merge_stderr_into_stdout() { dup2(STDOUT_FILENO, STDERR_FILENO); }

outcome run_target(const std::string &program, const std::vector<std::string> &args, bool preload,
                   std::vector<std::pair<std::string, std::string>> extra = {}) {
    environment_change change;
    change.unset = {"LD_PRELOAD", "SEALKIT_BACKEND", "SEALKIT_RELRO", "SEALKIT_ENFORCE", "SEALKIT_QUIET",
                    "SEALKIT_REPORT", "SEALKIT_REPORT_FORMAT", "SEALKIT_VDSO", "SEALKIT_ONLY_MARKED"};
    if (preload) change.set.emplace_back("LD_PRELOAD", kPreload);
    for (auto &e : extra) change.set.push_back(e);
    return run_program(program_path(program), args, change, merge_stderr_into_stdout);
}

// Every attack works on the unsealed program (on any kernel), so the
// refusals below can fail.
const char *const kStartupAttacks[] = {"mprotect-own-text-rwx",     "mprotect-libc-text-rw",
                                       "mprotect-libc-text-libc-wrapper", "munmap-own-rodata",
                                       "map-fixed-over-own-rodata", "mremap-libc-text",
                                       "dontneed-own-got"};

class StartupAttack : public ::testing::TestWithParam<const char *> {};

TEST_P(StartupAttack, SucceedsWithoutSealkit) {
    outcome plain = run_target("startup_attack_target", {GetParam()}, false);
    EXPECT_EQ(plain.exit_code(), 1) << "the attack must work on an unsealed program, or this test proves nothing: "
                                    << plain.describe();
}

INSTANTIATE_TEST_SUITE_P(EveryAttack, StartupAttack, ::testing::ValuesIn(kStartupAttacks),
                         [](const ::testing::TestParamInfo<const char *> &param) {
                             return sealkit_test::test_name_of(param.param);
                         });

// The same attacks under the preload, on each backend: the kernel's mseal
// (skipped where the kernel has none) and the seccomp filters that stand in
// for it on older kernels. The text report on stderr names the backend that
// sealed, so a case cannot pass on the other one.
class StartupAttackOnBackend : public ::testing::TestWithParam<std::tuple<std::string, const char *>> {
protected:
    void SetUp() override { SKIP_UNLESS_BACKEND_WORKS_HERE(std::get<0>(GetParam())); }
};

TEST_P(StartupAttackOnBackend, IsRefusedUnderThePreloadAndMemoryStaysIntact) {
    const auto &[backend, attack] = GetParam();
    outcome sealed = run_target("startup_attack_target", {attack}, true,
                                {{"SEALKIT_BACKEND", backend}, {"SEALKIT_REPORT", "-"}});
    EXPECT_NE(sealed.output.find("(backend " + backend + ")\n"), std::string::npos) << sealed.output;
    EXPECT_EQ(sealed.exit_code(), 0) << sealed.describe();
    EXPECT_TRUE(sealkit_test::field(sealed.output, "refused").has_value()) << sealed.output;
}

INSTANTIATE_TEST_SUITE_P(EveryAttack, StartupAttackOnBackend,
                         ::testing::Combine(sealkit_test::each_backend(), ::testing::ValuesIn(kStartupAttacks)),
                         [](const ::testing::TestParamInfo<std::tuple<std::string, const char *>> &param) {
                             return std::get<0>(param.param) + "_" +
                                    sealkit_test::test_name_of(std::get<1>(param.param));
                         });

class StartupSealing : public sealkit_test::KernelBackendTest {};

// The gap glibc's design leaves open, and the reason for RELRO hardening:
// with RELRO left file-backed, MADV_DONTNEED reverts the sealed GOT to the
// unrelocated bytes on disk. When the kernel closes this gap, this test
// fails and the docs must change.
TEST_F(StartupSealing, FileBackedRelroCanStillBeRevertedByTheKernel) {
    outcome file = run_target("startup_attack_target", {"dontneed-own-got"}, true, {{"SEALKIT_RELRO", "file"}});
    EXPECT_EQ(file.exit_code(), 1) << file.describe();
    EXPECT_NE(file.output.find("RELRO reverted"), std::string::npos) << file.output;
}

nlohmann::json json_report_of(const std::string &program, const std::vector<std::string> &args,
                              std::vector<std::pair<std::string, std::string>> extra = {}) {
    char path[] = "/tmp/sealkit-report-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    extra.emplace_back("SEALKIT_REPORT", path);
    extra.emplace_back("SEALKIT_REPORT_FORMAT", "json");
    outcome run = run_target(program, args, true, extra);
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    unlink(path);
    EXPECT_TRUE(run.exited()) << run.describe();
    return nlohmann::json::parse(text.str());
}

TEST_F(StartupSealing, ReportsEveryStartupObjectSealedWithOneCallPerRun) {
    nlohmann::json report = json_report_of("startup_attack_target", {"print-relro"});
    EXPECT_EQ(report["backend"], "kernel");
    EXPECT_EQ(report["images_failed"], 0);
    std::set<std::string> sealed;
    unsigned calls = 0;
    for (const auto &object : report["objects"]) {
        std::string name = object["name"];
        if (object["skipped"].is_null()) {
            EXPECT_TRUE(object["sealed"].get<bool>()) << name;
            EXPECT_EQ(object["seal_calls"], object["runs"]) << name << ": more calls than contiguous runs";
            EXPECT_EQ(object["runs"], 1) << name << ": glibc maps an object as one span";
            EXPECT_TRUE(object["relro_moved"].get<bool>()) << name;
            EXPECT_GT(object["bytes_sealed"].get<unsigned long>(), 0u);
            sealed.insert(name.substr(name.rfind('/') + 1));
        } else {
            EXPECT_EQ(object["skipped"], "vdso") << name;
        }
        calls += object["seal_calls"].get<unsigned>();
    }
    EXPECT_EQ(report["seal_calls"], calls);
    EXPECT_TRUE(sealed.count("startup_attack_target"));
    EXPECT_TRUE(sealed.count("libc.so.6"));
    EXPECT_TRUE(sealed.count("libsealkit-preload.so"));
    EXPECT_TRUE(sealed.count("ld-linux-x86-64.so.2"));
}

TEST_F(StartupSealing, SealsTheVdsoOnlyWhenAsked) {
    auto vdso_entry = [](const nlohmann::json &report) {
        for (const auto &object : report["objects"])
            if (object["name"] == "[vdso]") return object;
        return nlohmann::json();
    };
    nlohmann::json plain = vdso_entry(json_report_of("startup_attack_target", {"print-relro"}));
    ASSERT_FALSE(plain.is_null());
    EXPECT_EQ(plain["skipped"], "vdso");
    nlohmann::json asked = vdso_entry(json_report_of("startup_attack_target", {"print-relro"}, {{"SEALKIT_VDSO", "1"}}));
    ASSERT_FALSE(asked.is_null());
    EXPECT_TRUE(asked["skipped"].is_null());
    EXPECT_TRUE(asked["sealed"].get<bool>());
}

TEST_F(StartupSealing, OnlyMarkedSealsNothingInUnmarkedPrograms) {
    nlohmann::json report = json_report_of("startup_attack_target", {"print-relro"}, {{"SEALKIT_ONLY_MARKED", "1"}});
    EXPECT_EQ(report["images_sealed"], 0);
    for (const auto &object : report["objects"])
        if (object["name"] != "[vdso]") EXPECT_EQ(object["skipped"], "not_marked") << object["name"];
    outcome attack = run_target("startup_attack_target", {"mprotect-libc-text-rw"}, true, {{"SEALKIT_ONLY_MARKED", "1"}});
    EXPECT_EQ(attack.exit_code(), 1) << "nothing was marked, so nothing may be sealed: " << attack.describe();
}

TEST_F(StartupSealing, LeavesALibraryDlopenedBeforeSealingUnsealedSoDlcloseUnmapsIt) {
    std::string library = SEALKIT_SHARED_LIBRARY;
    outcome run = run_target("startup_dlopen_target", {}, true, {{"TARGET_LIBRARY", library}});
    EXPECT_EQ(run.exit_code(), 0) << run.describe();
    nlohmann::json report = json_report_of("startup_dlopen_target", {}, {{"TARGET_LIBRARY", library}});
    bool found = false;
    for (const auto &object : report["objects"])
        if (object["name"].get<std::string>().find("libsealkit.so") != std::string::npos) {
            found = true;
            EXPECT_EQ(object["skipped"], "unloadable");
        }
    EXPECT_TRUE(found) << report.dump(2);
}

TEST(StartupSealingFailure, EnforceStopsTheProgramWithOneLineWhenNothingCanSeal) {
    outcome run = run_target("startup_attack_target", {"print-relro"}, true,
                             {{"SEALKIT_BACKEND", "none"}, {"SEALKIT_ENFORCE", "1"}});
    EXPECT_EQ(run.exit_code(), 125) << run.describe();
    EXPECT_NE(run.output.find("sealkit: no backend can enforce seals"), std::string::npos) << run.output;
    EXPECT_EQ(run.output.find("relocated"), std::string::npos) << "main must not have run";
    EXPECT_EQ(std::count(run.output.begin(), run.output.end(), '\n'), 1) << run.output;
}

TEST(StartupSealingFailure, WithoutEnforceWarnsOnceAndRunsOn) {
    outcome run = run_target("startup_attack_target", {"print-relro"}, true, {{"SEALKIT_BACKEND", "none"}});
    EXPECT_EQ(run.exit_code(), 0) << run.describe();
    EXPECT_NE(run.output.find("relocated"), std::string::npos) << "main must run";
    size_t first = run.output.find("sealkit:");
    ASSERT_NE(first, std::string::npos) << run.output;
    EXPECT_EQ(run.output.find("sealkit:", first + 1), std::string::npos) << "one warning only: " << run.output;
}

TEST(StartupSealingFailure, QuietSilencesTheWarning) {
    outcome run = run_target("startup_attack_target", {"print-relro"}, true,
                             {{"SEALKIT_BACKEND", "none"}, {"SEALKIT_QUIET", "1"}});
    EXPECT_EQ(run.exit_code(), 0) << run.describe();
    EXPECT_EQ(run.output.find("sealkit:"), std::string::npos) << run.output;
}

TEST(StartupSealingFailure, AnOptionValueItDoesNotUnderstandIsNamedAndNothingIsGuessed) {
    outcome run = run_target("startup_attack_target", {"mprotect-libc-text-rw"}, true, {{"SEALKIT_RELRO", "bogus"}});
    EXPECT_NE(run.output.find("SEALKIT_RELRO=bogus is not one of anonymous, file"), std::string::npos)
        << run.output;
    EXPECT_EQ(run.exit_code(), 1) << "nothing sealed, so the attack works: " << run.describe();
}

TEST(StartupSealingLinkage, ThePreloadDependsOnLibcAloneAndExportsOnlyTheStartHook) {
    FILE *needed = popen(("readelf -dW " + kPreload + " | grep NEEDED").c_str(), "r");
    ASSERT_NE(needed, nullptr);
    std::string text = sealkit_test::read_all(fileno(needed));
    pclose(needed);
    EXPECT_NE(text.find("[libc.so.6]"), std::string::npos) << text;
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << "only libc.so.6 may be NEEDED:\n" << text;
    FILE *symbols = popen(("nm -D --defined-only " + kPreload).c_str(), "r");
    ASSERT_NE(symbols, nullptr);
    std::string exported = sealkit_test::read_all(fileno(symbols));
    pclose(symbols);
    EXPECT_NE(exported.find(" T __libc_start_main"), std::string::npos) << exported;
    EXPECT_EQ(exported.find("sealkit"), std::string::npos) << "no sealkit_* symbols may leak: " << exported;
}

}  // namespace

namespace {

// When sealing happens, found empirically and kept true by this test:
// preinit_array entries and every constructor run before it (and may still
// change their own mappings); main runs after it, with its own .data and
// .bss sealed too (docs/startup-sealing.md).
TEST_F(StartupSealing, ConstructorsRunBeforeSealingAndMainAfter) {
    outcome run = run_target("startup_timing_target", {}, true);
    ASSERT_EQ(run.exit_code(), 0) << run.describe();
    EXPECT_EQ(sealkit_test::field(run.output, "preinit_array"), "unsealed") << run.output;
    EXPECT_EQ(sealkit_test::field(run.output, "constructor"), "unsealed") << run.output;
    EXPECT_EQ(sealkit_test::field(run.output, "main"), "sealed") << run.output;
    EXPECT_EQ(sealkit_test::field(run.output, "constructor-mprotect"), "ok") << run.output;
    EXPECT_EQ(sealkit_test::field(run.output, "main-mprotect"), "Operation not permitted") << run.output;

    outcome plain = run_target("startup_timing_target", {}, false);
    EXPECT_EQ(sealkit_test::field(plain.output, "main"), "unsealed") << plain.output;
    EXPECT_EQ(sealkit_test::field(plain.output, "main-mprotect"), "ok") << plain.output;
}

}  // namespace

namespace {

// glibc's opt-in rule, positively: the executable carries the mark, libc
// does not, so only the executable is sealed. (Guards the note walker: a
// wrong descriptor offset for 8-aligned notes made the mark invisible.)
TEST_F(StartupSealing, OnlyMarkedSealsTheMarkedExecutableAndNotUnmarkedLibc) {
    outcome marked = run_target("startup_marked_target", {}, true, {{"SEALKIT_ONLY_MARKED", "1"}});
    ASSERT_EQ(marked.exit_code(), 0) << marked.describe();
    EXPECT_EQ(sealkit_test::field(marked.output, "own-text-sealed"), "1") << marked.output;
    EXPECT_EQ(sealkit_test::field(marked.output, "libc-text-sealed"), "0") << marked.output;
    outcome all = run_target("startup_marked_target", {}, true);
    EXPECT_EQ(sealkit_test::field(all.output, "libc-text-sealed"), "1") << all.output;
}

// Sealing a second time (sealkit_lockdown under the preload, or a program
// calling sealkit_seal_images again) must not fail on the RELRO already
// moved and sealed by the first pass.
TEST_F(StartupSealing, LockdownInsideAProgramStartedWithThePreloadSucceeds) {
    sealkit_test::environment_change change;
    change.unset = {"SEALKIT_BACKEND", "SEALKIT_RELRO"};
    change.set.emplace_back("LD_PRELOAD", kPreload);
    outcome r = run_program(program_path("lockdown_target"), {"kernel"}, change, merge_stderr_into_stdout);
    EXPECT_EQ(sealkit_test::field(r.output, "lockdown"), "ok") << r.output;
}

}  // namespace

#include <sys/statvfs.h>

namespace {

// In a setgid program (secure-execution mode) SEALKIT_* variables are
// ignored: a caller must not be able to turn a privileged program's
// protection off with SEALKIT_BACKEND=none, or aim its report at a file.
TEST(SecureExecution, ASetgidProgramIgnoresSealkitVariables) {
    if (geteuid() != 0) GTEST_SKIP() << "making a setgid copy for another group needs root";
    char directory[] = "/tmp/sealkit-setgid-XXXXXX";
    ASSERT_NE(mkdtemp(directory), nullptr);
    struct statvfs fs;
    ASSERT_EQ(statvfs(directory, &fs), 0);
    if (fs.f_flag & ST_NOSUID) {
        rmdir(directory);
        GTEST_SKIP() << directory << " is on a nosuid file system";
    }
    const std::string copy = std::string(directory) + "/api_backend_report";
    const std::string setup = "cp '" + program_path("api_backend_report") + "' '" + copy + "' && chgrp 65534 '" +
                              copy + "' && chmod 2755 '" + copy + "' && chmod 755 '" + directory + "'";
    ASSERT_EQ(system(setup.c_str()), 0);
    sealkit_test::environment_change change;
    change.set.emplace_back("SEALKIT_BACKEND", "none");
    outcome privileged = run_program(copy, {}, change);
    outcome plain = run_program(program_path("api_backend_report"), {}, change);
    std::string cleanup = std::string("rm -rf '") + directory + "'";
    EXPECT_EQ(system(cleanup.c_str()), 0);
    EXPECT_EQ(sealkit_test::field(plain.output, "name"), "none") << "the variable works for ordinary programs";
    // The variable ignored, auto chooses: the kernel's mseal, or seccomp filters without it (Linux 6.1).
    const char *automatic = sealkit_test::kernel_has_mseal() ? "kernel" : "seccomp";
    EXPECT_EQ(sealkit_test::field(privileged.output, "name"), automatic) << privileged.output;
    EXPECT_EQ(sealkit_test::field(privileged.output, "sealed"), "1") << privileged.output;
}

}  // namespace

namespace {

TEST_F(StartupSealing, AReportIsNeverWrittenThroughASymlinkAndNamesCannotForgeLines) {
    char directory[] = "/tmp/sealkit-report-XXXXXX";
    ASSERT_NE(mkdtemp(directory), nullptr);
    const std::string dir = directory;
    // A program reached through a path with a newline in it.
    const std::string odd = dir + "/odd\nforged line";
    ASSERT_EQ(symlink(program_path("startup_attack_target").c_str(), odd.c_str()), 0);
    ASSERT_EQ(symlink((dir + "/victim").c_str(), (dir + "/report").c_str()), 0);
    sealkit_test::environment_change change;
    change.unset = {"SEALKIT_BACKEND", "SEALKIT_RELRO"};
    change.set = {{"LD_PRELOAD", kPreload}, {"SEALKIT_REPORT", dir + "/report"}};
    outcome through_link = run_program(odd, {"print-relro"}, change, merge_stderr_into_stdout);
    EXPECT_NE(through_link.output.find("cannot write the report"), std::string::npos) << through_link.output;
    EXPECT_NE(access((dir + "/victim").c_str(), F_OK), 0) << "the report followed the symlink";

    change.set = {{"LD_PRELOAD", kPreload}, {"SEALKIT_REPORT", "-"}};
    outcome text = run_program(odd, {"print-relro"}, change, merge_stderr_into_stdout);
    EXPECT_NE(text.output.find("odd\\nforged line"), std::string::npos) << text.output;
    EXPECT_EQ(text.output.find("\nforged line"), std::string::npos) << "a raw newline from a path reached the report";
    std::string cleanup = "rm -rf '" + dir + "'";
    EXPECT_EQ(system(cleanup.c_str()), 0);
}

}  // namespace
