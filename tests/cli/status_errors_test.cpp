// `sealkit status` on bad input: each case must print one sentence naming
// the input on stderr and exit with its documented status (docs/cli.md):
// 2 usage, 3 no such process, 4 permission denied, 5 kernel cannot report
// seals; with several PIDs the good ones are still reported and the worst
// status wins.
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/command_runner.h"
#include "system/syscalls.h"

namespace {

using sealkit_test::command_result;
using sealkit_test::lines_of;
using sealkit_test::run_command;
using sealkit_test::running_program;

const std::string kTarget = std::string(SEALKIT_TEST_PROGRAMS) + "/status_target";

// A PID that existed a moment ago and has been reaped: no process has it
// (PIDs are handed out in increasing order, so it is not reused at once).
std::string vanished_pid() {
    pid_t child = fork();
    if (child == 0) _exit(0);
    int status;
    waitpid(child, &status, 0);
    return std::to_string(child);
}

// Exactly one line on stderr, containing every fragment.
void expect_one_sentence(const command_result &run, const std::vector<std::string> &fragments) {
    std::vector<std::string> lines = lines_of(run.err);
    ASSERT_EQ(lines.size(), 1u) << "stderr was:\n" << run.err;
    EXPECT_TRUE(lines[0].starts_with("sealkit")) << lines[0];
    EXPECT_TRUE(lines[0].ends_with(".")) << lines[0];
    for (const std::string &fragment : fragments)
        EXPECT_NE(lines[0].find(fragment), std::string::npos) << "'" << fragment << "' not in: " << lines[0];
}

bool kernel_has_mseal() { return sealkit::sys::probe_seal_support() == 0; }

TEST(StatusErrors, NonexistentPidExitsThreeAndNamesIt) {
    if (!kernel_has_mseal()) GTEST_SKIP() << "no mseal: status exits 5 before looking at PIDs";
    std::string pid = vanished_pid();
    command_result run = run_command({SEALKIT_CLI, "status", pid});
    EXPECT_EQ(run.exit_status, 3);
    EXPECT_EQ(run.out, "");
    expect_one_sentence(run, {"PID " + pid});
}

TEST(StatusErrors, NonNumericPidIsAUsageError) {
    for (const char *bad : {"abc", "12x", "-5", "0", "+7", "99999999999", ""}) {
        command_result run = run_command({SEALKIT_CLI, "status", bad});
        EXPECT_EQ(run.exit_status, 2) << bad;
        EXPECT_EQ(run.out, "") << bad;
        expect_one_sentence(run, {std::string("\"") + bad + "\""});
    }
}

TEST(StatusErrors, BadPidAmongGoodOnesStopsBeforeAnyReport) {
    command_result run = run_command({SEALKIT_CLI, "status", "self", "nope"});
    EXPECT_EQ(run.exit_status, 2);
    EXPECT_EQ(run.out, "");
    expect_one_sentence(run, {"\"nope\""});
}

TEST(StatusErrors, UnknownOptionIsAUsageError) {
    command_result run = run_command({SEALKIT_CLI, "status", "--bogus", "self"});
    EXPECT_EQ(run.exit_status, 2);
    EXPECT_EQ(run.out, "");
    expect_one_sentence(run, {"--bogus", "sealkit status --help"});

    command_result top = run_command({SEALKIT_CLI, "--frobnicate"});
    EXPECT_EQ(top.exit_status, 2);
    expect_one_sentence(top, {"--frobnicate"});
}

TEST(StatusErrors, MissingPidOrCommandIsAUsageError) {
    command_result no_pid = run_command({SEALKIT_CLI, "status"});
    EXPECT_EQ(no_pid.exit_status, 2);
    expect_one_sentence(no_pid, {"PID is required"});

    command_result no_command = run_command({SEALKIT_CLI});
    EXPECT_EQ(no_command.exit_status, 2);
    expect_one_sentence(no_command, {"no command given"});

    command_result unknown_command = run_command({SEALKIT_CLI, "seal-everything"});
    EXPECT_EQ(unknown_command.exit_status, 2);
    expect_one_sentence(unknown_command, {"seal-everything"});
}

// Reading another process's smaps needs ptrace-read access. As root (which
// has CAP_SYS_PTRACE) the CLI is run as "nobody" through setpriv against a
// root-owned helper; as an ordinary user, against a helper that made itself
// non-dumpable, which only CAP_SYS_PTRACE may read.
command_result run_status_without_access(const std::vector<std::string> &pids, bool *skipped) {
    std::vector<std::string> argv;
    if (geteuid() == 0) {
        if (access("/usr/bin/setpriv", X_OK) != 0) {
            *skipped = true;
            return {};
        }
        argv = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
    }
    argv.push_back(SEALKIT_CLI);
    argv.push_back("status");
    argv.insert(argv.end(), pids.begin(), pids.end());
    command_result run = run_command(argv);
    // setpriv itself failing (nobody cannot run the binary) is no verdict.
    *skipped = run.err.starts_with("setpriv:");
    return run;
}

TEST(StatusErrors, UnreadableProcessExitsFour) {
    if (!kernel_has_mseal()) GTEST_SKIP() << "no mseal: status exits 5 before looking at PIDs";
    running_program target({kTarget, "--non-dumpable"});
    ASSERT_TRUE(target.ready());
    std::string pid = std::to_string(target.pid());
    bool skipped = false;
    command_result run = run_status_without_access({pid}, &skipped);
    if (skipped) GTEST_SKIP() << "cannot run sealkit as another user here: " << run.err;
    EXPECT_EQ(run.exit_status, 4);
    EXPECT_EQ(run.out, "");
    expect_one_sentence(run, {"PID " + pid, "/proc/" + pid + "/smaps"});
}

TEST(StatusErrors, WorstStatusWinsAcrossPids) {
    if (!kernel_has_mseal()) GTEST_SKIP() << "no mseal: status exits 5 before looking at PIDs";
    running_program target({kTarget, "--non-dumpable"});
    ASSERT_TRUE(target.ready());
    std::string gone = vanished_pid();
    bool skipped = false;
    // 3 (gone) and 4 (unreadable): 4 wins; "self" is still reported.
    command_result run = run_status_without_access({gone, std::to_string(target.pid()), "self"}, &skipped);
    if (skipped) GTEST_SKIP() << "cannot run sealkit as another user here: " << run.err;
    EXPECT_EQ(run.exit_status, 4);
    EXPECT_EQ(lines_of(run.err).size(), 2u) << run.err;
    EXPECT_NE(run.out.find("mappings sealed"), std::string::npos) << run.out;
}

TEST(StatusErrors, GoodPidsAreReportedBesideAMissingOne) {
    if (!kernel_has_mseal()) GTEST_SKIP() << "no mseal: status exits 5 before looking at PIDs";
    running_program target({kTarget});
    ASSERT_TRUE(target.ready());
    std::string gone = vanished_pid();
    command_result run = run_command({SEALKIT_CLI, "status", "--json", gone, std::to_string(target.pid())});
    EXPECT_EQ(run.exit_status, 3);
    expect_one_sentence(run, {"PID " + gone});
    nlohmann::json doc = nlohmann::json::parse(run.out);
    ASSERT_EQ(doc.at("processes").size(), 1u);
    EXPECT_EQ(doc.at("processes")[0].at("pid"), target.pid());
    ASSERT_EQ(doc.at("errors").size(), 1u);
    EXPECT_EQ(doc.at("errors")[0].at("pid"), gone);
    EXPECT_EQ(doc.at("errors")[0].at("error"), "no-such-process");
    EXPECT_EQ(doc.at("errors")[0].at("exit_status"), 3);
}

TEST(StatusErrors, KernelThatCannotReportSealsExitsFive) {
    command_result run = run_command({SEALKIT_CLI, "status", "self"}, {{"SEALKIT_ASSUME_NO_SEAL_FLAG", "1"}});
    EXPECT_EQ(run.exit_status, 5);
    EXPECT_EQ(run.out, "");
    expect_one_sentence(run, {"cannot report", "SEALKIT_ASSUME_NO_SEAL_FLAG"});

    command_result json = run_command({SEALKIT_CLI, "status", "--json", "self"}, {{"SEALKIT_ASSUME_NO_SEAL_FLAG", "1"}});
    EXPECT_EQ(json.exit_status, 5);
    nlohmann::json doc = nlohmann::json::parse(json.out);
    EXPECT_TRUE(doc.at("processes").empty());
    ASSERT_EQ(doc.at("errors").size(), 1u);
    EXPECT_EQ(doc.at("errors")[0].at("error"), "kernel-cannot-report-seals");
    EXPECT_TRUE(doc.at("errors")[0].at("pid").is_null());

    // Any other value leaves the hook off.
    command_result off = run_command({SEALKIT_CLI, "status", "self"}, {{"SEALKIT_ASSUME_NO_SEAL_FLAG", "0"}});
    EXPECT_EQ(off.exit_status, kernel_has_mseal() ? 0 : 5);
}

}  // namespace

namespace {

// The options of host-wide status that cannot go together, and bad values:
// one sentence naming the input, status 2, nothing on stdout, no process read.
TEST(StatusErrors, ConflictingOrBadHostWideOptionsAreUsageErrors) {
    struct bad_case {
        std::vector<std::string> args;
        std::string named;  // what the sentence must name
    };
    for (const bad_case &bad : std::vector<bad_case>{{{"--all", "self"}, "--all"},
                                                     {{"--map", "--all"}, "--map"},
                                                     {{"--map", "--json", "self"}, "--format=json"},
                                                     {{"--map", "--format=prometheus", "self"}, "--format=prometheus"},
                                                     {{"--json", "--format=text", "self"}, "--json"},
                                                     {{"--format=xml", "self"}, "xml"},
                                                     {{"--require=everything", "self"}, "everything"},
                                                     {{"--no-color"}, "PID is required"}}) {
        std::vector<std::string> argv = {SEALKIT_CLI, "status"};
        argv.insert(argv.end(), bad.args.begin(), bad.args.end());
        command_result run = run_command(argv);
        EXPECT_EQ(run.exit_status, 2) << bad.args[0];
        EXPECT_EQ(run.out, "") << bad.args[0];
        expect_one_sentence(run, {bad.named});
    }
}

}  // namespace
