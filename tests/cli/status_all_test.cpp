// `sealkit status --all`: one row per readable process with its counts
// (checked against the test's own reading of smaps), a summary, and
// processes that vanish or may not be read counted without failing the
// scan; it fails only when nothing at all could be read.
#include <sys/wait.h>
#include <unistd.h>

#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/command_runner.h"
#include "cli/status_facts.h"
#include "system/syscalls.h"

namespace {

using sealkit_test::command_result;
using sealkit_test::lines_of;
using sealkit_test::run_command;
using sealkit_test::running_program;

const std::string kTarget = std::string(SEALKIT_TEST_PROGRAMS) + "/status_target";
const std::string kRenamed = std::string(SEALKIT_TEST_PROGRAMS) + "/status_renamed_target";
const std::vector<std::string> kAsNobody = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};

struct all_row {
    std::string command, maps, sealed, file_sealed, backend;
    bool found = false;
};

// The --all text row of pid (commands without spaces only).
all_row row_of(const std::string &out, pid_t pid) {
    all_row row;
    for (const std::string &line : lines_of(out)) {
        std::istringstream fields(line);
        std::string first, number, unit;
        if (!(fields >> first) || first != std::to_string(pid)) continue;
        fields >> row.command >> row.maps >> row.sealed >> number >> unit >> row.backend;
        row.file_sealed = number + " " + unit;
        row.found = true;
    }
    return row;
}

// A PID that existed a moment ago and has been reaped: it is exactly a
// process that exits between being listed and being read.
pid_t vanished_pid() {
    pid_t child = fork();
    if (child == 0) _exit(0);
    int status;
    waitpid(child, &status, 0);
    return child;
}

class StatusAll : public ::testing::Test {
protected:
    void SetUp() override {
        if (sealkit::sys::probe_seal_support() != 0) GTEST_SKIP() << "this kernel has no mseal(2)";
    }
};

TEST_F(StatusAll, OneRowPerProcessWithItsOwnCounts) {
    running_program sealed({kTarget});
    running_program plain({kRenamed, "plain_target"});
    ASSERT_TRUE(sealed.ready() && plain.ready());
    command_result run = run_command({SEALKIT_CLI, "status", "--all"});
    ASSERT_EQ(run.exit_status, 0) << run.err;
    std::vector<std::string> lines = lines_of(run.out);
    ASSERT_GE(lines.size(), 3u);
    EXPECT_TRUE(lines[0].find("PID") != std::string::npos && lines[0].find("BACKEND") != std::string::npos)
        << lines[0];

    all_row s = row_of(run.out, sealed.pid());
    ASSERT_TRUE(s.found) << run.out;
    sealkit_test::smaps_facts facts = sealkit_test::read_smaps_facts(sealed.pid());
    EXPECT_EQ(s.command, "status_target");
    EXPECT_EQ(s.maps, std::to_string(facts.mappings));
    EXPECT_EQ(s.sealed, std::to_string(facts.sealed_mappings));
    EXPECT_EQ(s.file_sealed, std::to_string(facts.sealed_file_backed_bytes / 1024) + " KiB");
    EXPECT_EQ(s.backend, "kernel");

    all_row p = row_of(run.out, plain.pid());
    ASSERT_TRUE(p.found) << run.out;
    EXPECT_EQ(p.command, "plain_target");
    EXPECT_EQ(p.maps, std::to_string(sealkit_test::read_smaps_facts(plain.pid()).mappings));
    EXPECT_EQ(p.sealed, "0");
    EXPECT_EQ(p.file_sealed, "0 B");
    EXPECT_EQ(p.backend, "-") << "nothing sealed: the backend cannot be known";

    EXPECT_TRUE(row_of(run.out, getpid()).found) << "the test itself is a readable process";
    EXPECT_TRUE(lines.back().find(" processes: ") != std::string::npos &&
                lines.back().find(" inspected") != std::string::npos &&
                lines.back().find(" mappings sealed") != std::string::npos)
        << lines.back();
}

// A command name may hold a newline or an escape sequence: printed as
// \xNN, it can neither split its row nor recolour the terminal.
TEST_F(StatusAll, ControlCharactersInACommandAreShownEscaped) {
    running_program odd({kRenamed, "two\nl\x1b[31m"});
    ASSERT_TRUE(odd.ready());
    command_result run = run_command({SEALKIT_CLI, "status", "--all"}, {{"NO_COLOR", "1"}});
    ASSERT_EQ(run.exit_status, 0) << run.err;
    EXPECT_EQ(run.out.find('\033'), std::string::npos);
    all_row row = row_of(run.out, odd.pid());
    ASSERT_TRUE(row.found) << run.out;
    EXPECT_EQ(row.command, "two\\x0al\\x1b[31m");
    EXPECT_EQ(row.maps, std::to_string(sealkit_test::read_smaps_facts(odd.pid()).mappings));

    command_result one = run_command({SEALKIT_CLI, "status", std::to_string(odd.pid())});
    ASSERT_EQ(one.exit_status, 0) << one.err;
    EXPECT_TRUE(one.out.starts_with("PID " + std::to_string(odd.pid()) + " (two\\x0al\\x1b[31m) ")) << one.out;
}

TEST_F(StatusAll, JsonHasEveryProcessAndTheScanCounts) {
    running_program sealed({kTarget});
    ASSERT_TRUE(sealed.ready());
    command_result run = run_command({SEALKIT_CLI, "status", "--all", "--json"});
    ASSERT_EQ(run.exit_status, 0) << run.err;
    nlohmann::json doc = nlohmann::json::parse(run.out);
    const nlohmann::json &scan = doc.at("scan");
    const nlohmann::json &processes = doc.at("processes");
    EXPECT_EQ(scan.at("inspected"), processes.size());
    EXPECT_EQ(scan.at("listed").get<size_t>(),
              scan.at("inspected").get<size_t>() + scan.at("without_user_memory").get<size_t>() +
                  scan.at("vanished").get<size_t>() + scan.at("permission_denied").get<size_t>() +
                  scan.at("failed").get<size_t>());
    bool found = false;
    for (const nlohmann::json &process : processes) {
        EXPECT_GT(process.at("mappings").get<size_t>(), 0u) << "kernel threads are counted, not listed";
        if (process.at("pid") != sealed.pid()) continue;
        found = true;
        EXPECT_EQ(process.at("backend"), "kernel");
        EXPECT_EQ(process.at("sealed_mappings"), sealkit_test::read_smaps_facts(sealed.pid()).sealed_mappings);
        // JSON reads image headers: parts and the unsealed images are known.
        EXPECT_FALSE(process.at("unsealed_images").is_null());
    }
    EXPECT_TRUE(found) << "status_target missing";
}

TEST_F(StatusAll, AProcessThatVanishesIsCountedNotFatal) {
    pid_t gone = vanished_pid();
    command_result run = run_command({SEALKIT_CLI, "status", "--all", "--json"},
                                     {{"SEALKIT_ASSUME_LISTED_PIDS", std::to_string(gone)}});
    EXPECT_EQ(run.exit_status, 0) << run.err;
    EXPECT_EQ(run.err, "");
    nlohmann::json doc = nlohmann::json::parse(run.out);
    EXPECT_GE(doc.at("scan").at("vanished").get<size_t>(), 1u);
    for (const nlohmann::json &process : doc.at("processes")) {
        EXPECT_NE(process.at("pid"), gone);
    }

    command_result text = run_command({SEALKIT_CLI, "status", "--all"},
                                      {{"SEALKIT_ASSUME_LISTED_PIDS", "x," + std::to_string(gone) + ",,"}});
    EXPECT_EQ(text.exit_status, 0) << text.err;
    EXPECT_NE(lines_of(text.out).back().find(" vanished"), std::string::npos) << lines_of(text.out).back();
    EXPECT_FALSE(row_of(text.out, gone).found);
}

TEST_F(StatusAll, AProcessThatMayNotBeReadIsCountedNotFatal) {
    std::unique_ptr<running_program> readable;
    std::unique_ptr<running_program> unreadable;
    std::vector<std::string> cli = {SEALKIT_CLI, "status", "--all", "--json"};
    if (geteuid() == 0) {
        // As nobody: root's processes (this test) are unreadable, nobody's
        // own helper is readable.
        if (access(kAsNobody[0].c_str(), X_OK) != 0) GTEST_SKIP() << "no setpriv";
        std::vector<std::string> helper = kAsNobody;
        helper.insert(helper.end(), {kRenamed, "nobodys_target"});
        readable = std::make_unique<running_program>(helper);
        if (!readable->ready()) GTEST_SKIP() << "nobody cannot run the helper here";
        cli.insert(cli.begin(), kAsNobody.begin(), kAsNobody.end());
    } else {
        unreadable = std::make_unique<running_program>(std::vector<std::string>{kTarget, "--non-dumpable"});
        ASSERT_TRUE(unreadable->ready());
    }
    command_result run = run_command(cli);
    if (run.err.starts_with("setpriv:")) GTEST_SKIP() << run.err;
    ASSERT_EQ(run.exit_status, 0) << run.err;
    nlohmann::json doc = nlohmann::json::parse(run.out);
    EXPECT_GE(doc.at("scan").at("permission_denied").get<size_t>(), 1u);
    bool readable_found = false;
    for (const nlohmann::json &process : doc.at("processes")) {
        if (unreadable) {
            EXPECT_NE(process.at("pid"), unreadable->pid());
        }
        if (readable && process.at("pid") == readable->pid()) readable_found = true;
        EXPECT_NE(process.at("pid"), getpid());
    }
    if (readable) {
        EXPECT_TRUE(readable_found);
    }
    EXPECT_TRUE(doc.at("errors").empty());
}

TEST_F(StatusAll, NothingReadableFailsWithOneSentence) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to run sealkit as nobody";
    if (access(kAsNobody[0].c_str(), X_OK) != 0) GTEST_SKIP() << "no setpriv";
    std::vector<std::string> cli = kAsNobody;
    cli.insert(cli.end(), {SEALKIT_CLI, "status", "--all"});
    command_result run = run_command(cli);
    if (run.err.starts_with("setpriv:")) GTEST_SKIP() << run.err;
    if (run.exit_status == 0) GTEST_SKIP() << "another process of nobody's was running:\n" << run.out;
    EXPECT_EQ(run.exit_status, 4) << run.err;
    std::vector<std::string> errors = lines_of(run.err);
    ASSERT_EQ(errors.size(), 1u) << run.err;
    EXPECT_TRUE(errors[0].starts_with("sealkit status: could not read any process (")) << errors[0];
    EXPECT_NE(errors[0].find("not allowed"), std::string::npos) << errors[0];

    cli.push_back("--json");
    command_result json = run_command(cli);
    if (json.exit_status == 0) GTEST_SKIP() << "another process of nobody's started";
    EXPECT_EQ(json.exit_status, 4);
    nlohmann::json doc = nlohmann::json::parse(json.out);
    ASSERT_EQ(doc.at("errors").size(), 1u) << json.out;
    EXPECT_EQ(doc.at("errors")[0].at("error"), "permission-denied");
    EXPECT_EQ(doc.at("errors")[0].at("exit_status"), 4);
    EXPECT_TRUE(doc.at("errors")[0].at("pid").is_null());
    EXPECT_TRUE(doc.at("processes").empty());
}

}  // namespace
