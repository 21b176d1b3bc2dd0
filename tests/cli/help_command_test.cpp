// `sealkit help [COMMAND]`: the same text as `sealkit [COMMAND] --help`,
// exit 0; an unknown command is one sentence naming it, exit 2.
#include <string>

#include <gtest/gtest.h>

#include "cli/command_runner.h"

namespace {

using sealkit_test::command_result;
using sealkit_test::run_command;

TEST(HelpCommand, PrintsExactlyWhatCommandDashDashHelpPrints) {
    for (const char *command : {"check", "status", "run", "audit", "help"}) {
        command_result help = run_command({SEALKIT_CLI, "help", command});
        command_result dash = run_command({SEALKIT_CLI, command, "--help"});
        EXPECT_EQ(help.exit_status, 0) << command << ": " << help.err;
        EXPECT_EQ(dash.exit_status, 0) << command << ": " << dash.err;
        EXPECT_NE(help.out.find(std::string("Usage: sealkit ") + command), std::string::npos) << help.out;
        EXPECT_EQ(help.out, dash.out) << command;
        EXPECT_EQ(help.err, "") << command;
    }
}

TEST(HelpCommand, WithoutACommandIsSealkitsOwnHelpAndListsHelp) {
    command_result help = run_command({SEALKIT_CLI, "help"});
    command_result dash = run_command({SEALKIT_CLI, "--help"});
    EXPECT_EQ(help.exit_status, 0);
    EXPECT_EQ(help.out, dash.out);
    EXPECT_NE(help.out.find("help "), std::string::npos) << "help is not listed: " << help.out;
}

TEST(HelpCommand, AnUnknownCommandIsOneSentenceAndExitStatusTwo) {
    command_result help = run_command({SEALKIT_CLI, "help", "frobnicate"});
    EXPECT_EQ(help.exit_status, 2);
    EXPECT_EQ(help.out, "");
    EXPECT_EQ(help.err,
              "sealkit help: 'frobnicate' is not a sealkit command; the commands are check, status, run, audit "
              "(see 'sealkit --help').\n");
    command_result two = run_command({SEALKIT_CLI, "help", "run", "status"});
    EXPECT_EQ(two.exit_status, 2);
    EXPECT_NE(two.err.find("'status'"), std::string::npos) << two.err;
}

}  // namespace
