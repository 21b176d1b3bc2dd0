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
