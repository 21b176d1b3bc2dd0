// Link-in startup sealing (libsealkit-autoseal.a, sealkit::autoseal)
// against the real kernel: a program linked with it is sealed at main and
// its text cannot be made writable, the same program without it is not
// (the control), every attack of the preload's suite is refused, the
// constructor order in docs/startup-sealing.md holds, and a setuid program
// ignores the SEALKIT_* variables. Programs: tests/autoseal/.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <sstream>
#include <string>

#include "test_support.h"

namespace {

using sealkit_test::environment_change;
using sealkit_test::field;
using sealkit_test::outcome;
using sealkit_test::program_path;
using sealkit_test::run_program;

void merge_stderr_into_stdout() { dup2(STDOUT_FILENO, STDERR_FILENO); }

// A clean slate: no preload and no SEALKIT_* choice from the caller.
environment_change no_sealkit_environment() {
    environment_change change;
    change.unset = {"LD_PRELOAD", "SEALKIT_BACKEND", "SEALKIT_RELRO", "SEALKIT_ENFORCE", "SEALKIT_QUIET",
                    "SEALKIT_REPORT", "SEALKIT_REPORT_FORMAT", "SEALKIT_VDSO", "SEALKIT_ONLY_MARKED",
                    "SEALKIT_LOCKDOWN"};
    return change;
}

outcome run_target(const std::string &path, const std::vector<std::string> &args = {},
                   std::vector<std::pair<std::string, std::string>> extra = {}) {
    environment_change change = no_sealkit_environment();
    for (auto &e : extra) change.set.push_back(e);
    return run_program(path, args, change, merge_stderr_into_stdout);
}

using Autoseal = sealkit_test::KernelBackendTest;

TEST_F(Autoseal, TextRelroAndLibrariesAreSealedAtMainAndTheTextAttackIsRefused) {
    outcome run = run_target(program_path("autoseal_target"));
    ASSERT_EQ(run.exit_code(), 0) << run.describe();
    EXPECT_EQ(field(run.output, "text-sealed"), "1") << run.output;
    EXPECT_EQ(field(run.output, "relro-sealed"), "1") << run.output;
    EXPECT_EQ(field(run.output, "libc-sealed"), "1") << run.output;
    EXPECT_EQ(field(run.output, "mprotect-text"), "refused") << run.output;
    EXPECT_EQ(run.output.find("sealkit:"), std::string::npos) << "no warning expected: " << run.output;
}

TEST_F(Autoseal, TheSameProgramWithoutAutosealIsNotSealedAndTheAttackWorks) {
    outcome run = run_target(program_path("autoseal_control"));
    ASSERT_EQ(run.exit_code(), 0) << run.describe();
    EXPECT_EQ(field(run.output, "text-sealed"), "0") << run.output;
    EXPECT_EQ(field(run.output, "relro-sealed"), "0") << run.output;
    EXPECT_EQ(field(run.output, "libc-sealed"), "0") << run.output;
    EXPECT_EQ(field(run.output, "mprotect-text"), "allowed") << run.output;
}

// The options are the preload's: SEALKIT_BACKEND=none turns sealing off
// with the one warning, SEALKIT_REPORT writes the report.
TEST_F(Autoseal, ReadsTheSameVariablesAsThePreload) {
    outcome off = run_target(program_path("autoseal_target"), {}, {{"SEALKIT_BACKEND", "none"}});
    EXPECT_EQ(field(off.output, "text-sealed"), "0") << off.output;
    EXPECT_NE(off.output.find("sealkit: no backend can enforce seals here"), std::string::npos) << off.output;

    outcome reported = run_target(program_path("autoseal_target"), {}, {{"SEALKIT_REPORT", "-"}});
    EXPECT_EQ(field(reported.output, "text-sealed"), "1") << reported.output;
    EXPECT_NE(reported.output.find("autoseal_target"), std::string::npos) << reported.output;
    EXPECT_NE(reported.output.find("libc.so.6"), std::string::npos) << reported.output;
}

// docs/startup-sealing.md: autoseal and the preload together seal twice,
// and the second pass (the preload's, before main) succeeds quietly.
TEST_F(Autoseal, UnderThePreloadTooTheSecondPassSucceedsQuietly) {
    outcome run = run_target(program_path("autoseal_target"), {}, {{"LD_PRELOAD", SEALKIT_PRELOAD_LIBRARY}});
    ASSERT_EQ(run.exit_code(), 0) << run.describe();
    EXPECT_EQ(field(run.output, "text-sealed"), "1") << run.output;
    EXPECT_EQ(field(run.output, "mprotect-text"), "refused") << run.output;
    EXPECT_EQ(run.output.find("sealkit:"), std::string::npos) << "no warning expected: " << run.output;
}

// Every attack of the preload's suite (startup_sealing_test.cpp, which also
// shows each one succeeding on the unsealed program) on the same source
// linked with autoseal instead.
class AutosealAttack : public sealkit_test::KernelBackendTest, public ::testing::WithParamInterface<const char *> {};

TEST_P(AutosealAttack, IsRefusedAndMemoryStaysIntact) {
    outcome sealed = run_target(program_path("autoseal_attack_target"), {GetParam()});
    EXPECT_EQ(sealed.exit_code(), 0) << sealed.describe();
    EXPECT_NE(sealed.output.find("refused"), std::string::npos) << sealed.output;
}

INSTANTIATE_TEST_SUITE_P(EveryAttack, AutosealAttack,
                         ::testing::Values("mprotect-own-text-rwx", "mprotect-libc-text-rw",
                                           "mprotect-libc-text-libc-wrapper", "munmap-own-rodata",
                                           "map-fixed-over-own-rodata", "mremap-libc-text", "dontneed-own-got"),
                         [](const ::testing::TestParamInfo<const char *> &param) {
                             std::string name = param.param;
                             for (char &c : name)
                                 if (c == '-') c = '_';
                             return name;
                         });

// Which start-up code has run when autoseal seals (docs/startup-sealing.md,
// "Link-in mode"): everything except constructors linked after the archive.
TEST_F(Autoseal, SealsAfterLibraryAndOwnConstructorsButBeforeThoseLinkedAfterIt) {
    outcome run = run_target(program_path("constructor_order"));
    ASSERT_EQ(run.exit_code(), 0) << run.describe();
    EXPECT_EQ(field(run.output, "preinit_array"), "unsealed") << run.output;
    EXPECT_EQ(field(run.output, "library-constructor"), "unsealed") << run.output;
    EXPECT_EQ(field(run.output, "constructor-101"), "unsealed") << run.output;
    EXPECT_EQ(field(run.output, "constructor"), "unsealed") << run.output;
    EXPECT_EQ(field(run.output, "cpp-static-init"), "unsealed") << run.output;
    EXPECT_EQ(field(run.output, "late-constructor"), "sealed") << run.output;
    EXPECT_EQ(field(run.output, "main"), "sealed") << run.output;
    // ...and in that order.
    const std::string lines = "\n" + run.output;
    size_t last = 0;
    for (const char *stage : {"preinit_array", "library-constructor", "constructor-101", "constructor",
                              "cpp-static-init", "late-constructor", "main"}) {
        size_t at = lines.find("\n" + std::string(stage) + " ");
        ASSERT_NE(at, std::string::npos) << stage << "\n" << run.output;
        EXPECT_GE(at, last) << stage << " ran out of order:\n" << run.output;
        last = at;
    }
}

// The archive adds one global symbol, the anchor, and needs only libc:
// everything of the core inside it is local, so it cannot clash with
// libsealkit.so or libsealkit.a in the same program.
TEST(AutosealArchive, ExportsOnlyTheAnchorAndNeedsNoLibstdcxx) {
    const std::string archive = std::string(SEALKIT_PRELOAD_LIBRARY).substr(
                                    0, std::string(SEALKIT_PRELOAD_LIBRARY).rfind('/')) +
                                "/libsealkit-autoseal.a";
    FILE *defined = popen(("nm --defined-only --extern-only " + archive + " 2>&1").c_str(), "r");
    ASSERT_NE(defined, nullptr);
    std::string globals = sealkit_test::read_all(fileno(defined));
    pclose(defined);
    EXPECT_NE(globals.find(" T sealkit_autoseal\n"), std::string::npos) << globals;
    std::istringstream lines(globals);
    int symbols = 0;
    for (std::string address, kind, name; lines >> address;) {
        if (address.back() == ':') continue;  // the member's name
        lines >> kind >> name;
        ++symbols;
    }
    EXPECT_EQ(symbols, 1) << "only the anchor may be global:\n" << globals;
    FILE *undefined = popen(("nm --undefined-only " + archive + " 2>&1").c_str(), "r");
    ASSERT_NE(undefined, nullptr);
    std::string needs = sealkit_test::read_all(fileno(undefined));
    pclose(undefined);
    EXPECT_NE(needs.find(" U mmap"), std::string::npos) << needs;
    for (const char *cxx : {"_Znw", "_Zdl", "__cxa_", "_ZSt", "__gxx_personality"})
        EXPECT_EQ(needs.find(cxx), std::string::npos) << cxx << " would need libstdc++:\n" << needs;
}

// A setuid program ignores every SEALKIT_* variable (secure_getenv): the
// caller cannot switch its sealing off or make it write a report. Needs
// root to make a copy owned by another user; running it as root then gives
// real uid 0 and effective uid 65534, so the kernel sets AT_SECURE.
TEST_F(Autoseal, ASetuidProgramIgnoresSealkitVariables) {
    if (geteuid() != 0) GTEST_SKIP() << "making a setuid copy owned by another user needs root";
    char directory[] = "/tmp/sealkit-autoseal-XXXXXX";
    ASSERT_NE(mkdtemp(directory), nullptr);
    const std::string dir = directory;
    struct statvfs fs;
    ASSERT_EQ(statvfs(directory, &fs), 0);
    if (fs.f_flag & ST_NOSUID) {
        rmdir(directory);
        GTEST_SKIP() << dir << " is on a nosuid file system";
    }
    // The report directory is writable by the setuid program's user, so a
    // missing report means the variable was ignored, not that writing failed.
    const std::string copy = dir + "/autoseal_target";
    const std::string setup = "cp '" + program_path("autoseal_target") + "' '" + copy + "' && chown 65534 '" + copy +
                              "' && chmod 4755 '" + copy + "' && chmod 755 '" + dir + "' && mkdir -m 1777 '" + dir +
                              "/reports'";
    ASSERT_EQ(system(setup.c_str()), 0);

    outcome privileged_off = run_target(copy, {}, {{"SEALKIT_BACKEND", "none"}});
    outcome privileged_report = run_target(copy, {}, {{"SEALKIT_REPORT", dir + "/reports/setuid"}});
    outcome plain_off = run_target(program_path("autoseal_target"), {}, {{"SEALKIT_BACKEND", "none"}});
    outcome plain_report = run_target(program_path("autoseal_target"), {}, {{"SEALKIT_REPORT", dir + "/reports/plain"}});
    const bool setuid_report_written = access((dir + "/reports/setuid").c_str(), F_OK) == 0;
    const bool plain_report_written = access((dir + "/reports/plain").c_str(), F_OK) == 0;
    EXPECT_EQ(system(("rm -rf '" + dir + "'").c_str()), 0);

    ASSERT_EQ(field(privileged_off.output, "secure"), "1") << "not in secure-execution mode: " << privileged_off.output;
    EXPECT_EQ(field(plain_off.output, "text-sealed"), "0") << "the variable works for ordinary programs";
    EXPECT_TRUE(plain_report_written) << plain_report.output;
    EXPECT_EQ(field(privileged_off.output, "text-sealed"), "1") << privileged_off.output;
    EXPECT_EQ(field(privileged_off.output, "mprotect-text"), "refused") << privileged_off.output;
    EXPECT_EQ(field(privileged_report.output, "text-sealed"), "1") << privileged_report.output;
    EXPECT_FALSE(setuid_report_written) << "a setuid program wrote a report where its caller asked";
}

}  // namespace
