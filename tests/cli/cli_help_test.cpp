// --help, --version and the documentation of exit statuses and JSON
// fields: what a user reads must match what the binary does.
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "cli/command_runner.h"
#include "sealkit/sealkit.h"

namespace {

using sealkit_test::command_result;
using sealkit_test::run_command;

std::string read_file(const std::string &path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(CliHelp, VersionNamesTheLibraryVersion) {
    command_result run = run_command({SEALKIT_CLI, "--version"});
    EXPECT_EQ(run.exit_status, 0);
    EXPECT_EQ(run.out, std::string("sealkit ") + sealkit_version() + "\n");
}

TEST(CliHelp, EveryCommandHasHelpWithTheExitStatuses) {
    for (std::vector<std::string> argv : {std::vector<std::string>{SEALKIT_CLI, "--help"},
                                          {SEALKIT_CLI, "check", "--help"},
                                          {SEALKIT_CLI, "status", "--help"}}) {
        command_result run = run_command(argv);
        EXPECT_EQ(run.exit_status, 0) << argv.back();
        EXPECT_NE(run.out.find("Usage:"), std::string::npos) << run.out;
        EXPECT_NE(run.out.find("Exit status:"), std::string::npos) << run.out;
        EXPECT_NE(run.out.find("5  status: this kernel cannot report seal state"), std::string::npos) << run.out;
    }
    command_result status = run_command({SEALKIT_CLI, "status", "--help"});
    EXPECT_NE(status.out.find("--json"), std::string::npos);
    EXPECT_NE(status.out.find("SEALKIT_ASSUME_NO_SEAL_FLAG"), std::string::npos);
}

// One command per command line: a second command name is an unexpected
// argument of the first, never silently dropped (sealkit builds only the
// command it was asked for, so `check status` cannot run check alone).
TEST(CliHelp, ASecondCommandOnTheLineIsAUsageError) {
    command_result run = run_command({SEALKIT_CLI, "check", "status"});
    EXPECT_EQ(run.exit_status, 2);
    EXPECT_EQ(run.out, "");
    EXPECT_EQ(run.err, "sealkit: The following argument was not expected: status (see 'sealkit check --help').\n");
}

// Every command's own help and errors still work when only that command is
// built, and sealkit --help still lists every command.
TEST(CliHelp, TheTopLevelHelpListsEveryCommand) {
    command_result run = run_command({SEALKIT_CLI, "--help"});
    EXPECT_EQ(run.exit_status, 0);
    for (const char *command : {"check", "status", "run", "audit", "help"})
        EXPECT_NE(run.out.find(std::string("\n  ") + command + " "), std::string::npos) << command << "\n" << run.out;
    command_result unknown = run_command({SEALKIT_CLI, "stat"});
    EXPECT_EQ(unknown.exit_status, 2);
    EXPECT_NE(unknown.err.find("stat"), std::string::npos) << unknown.err;
}

// The man page and docs/cli.md must name every exit status, every error
// name the JSON can carry and the testing hook.
TEST(CliHelp, DocumentationCoversStatusesErrorsAndHook) {
    for (const char *doc : {"/docs/sealkit.1", "/docs/cli.md"}) {
        std::string text = read_file(std::string(SEALKIT_SOURCE_DIR) + doc);
        ASSERT_FALSE(text.empty()) << doc;
        // roff writes a literal hyphen as "\-".
        for (size_t at; (at = text.find("\\-")) != std::string::npos;) text.erase(at, 1);
        for (const char *needle :
             {"no-such-process", "permission-denied", "kernel-cannot-report-seals", "read-failed",
              "SEALKIT_ASSUME_NO_SEAL_FLAG", "sealed_file_backed_percent", "can_enforce", "format_version",
              "system_mappings_sealed", "layout_from"})
            EXPECT_NE(text.find(needle), std::string::npos) << needle << " missing from " << doc;
    }
}

}  // namespace
