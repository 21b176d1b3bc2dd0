// Colours in `sealkit status`: only when stdout is a terminal (a
// pseudo-terminal from forkpty here), never with --no-color, never when
// NO_COLOR is set to a non-empty value (an empty NO_COLOR does not count,
// as https://no-color.org says), never in JSON or Prometheus output.
#include <errno.h>
#include <pty.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cli/command_runner.h"
#include "system/syscalls.h"

namespace {

using sealkit_test::command_result;
using sealkit_test::run_command;
using sealkit_test::running_program;

const std::string kTarget = std::string(SEALKIT_TEST_PROGRAMS) + "/status_target";
const std::string kGreen = "\033[32m";
const std::string kRed = "\033[31m";

struct terminal_result {
    int exit_status = -1;
    std::string out;  // everything written to the terminal
};

// Runs argv with its stdout (and stderr) on a new pseudo-terminal. no_color:
// nullptr leaves NO_COLOR unset, else NO_COLOR is set to it.
terminal_result run_on_terminal(const std::vector<std::string> &argv, const char *no_color) {
    terminal_result result;
    struct winsize size = {50, 200, 0, 0};
    int master = -1;
    pid_t child = forkpty(&master, nullptr, nullptr, &size);
    if (child < 0) return result;
    if (child == 0) {
        if (no_color) setenv("NO_COLOR", no_color, 1);
        else unsetenv("NO_COLOR");
        std::vector<char *> args;
        for (const std::string &arg : argv) args.push_back(const_cast<char *>(arg.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    char chunk[4096];
    for (;;) {
        ssize_t got = read(master, chunk, sizeof chunk);
        if (got > 0) result.out.append(chunk, static_cast<size_t>(got));
        else if (got < 0 && errno == EINTR) continue;
        else break;  // EIO once the child has closed the terminal
    }
    close(master);
    int status;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

class StatusColor : public ::testing::Test {
protected:
    void SetUp() override {
        if (sealkit::sys::probe_seal_support() != 0) GTEST_SKIP() << "this kernel has no mseal(2)";
        target_ = std::make_unique<running_program>(std::vector<std::string>{kTarget});
        ASSERT_TRUE(target_->ready());
        pid_ = std::to_string(target_->pid());
    }
    std::unique_ptr<running_program> target_;
    std::string pid_;
};

TEST_F(StatusColor, ATerminalGetsColours) {
    for (std::vector<std::string> argv : {std::vector<std::string>{SEALKIT_CLI, "status", "--map", pid_},
                                          std::vector<std::string>{SEALKIT_CLI, "status", pid_}}) {
        terminal_result run = run_on_terminal(argv, nullptr);
        EXPECT_EQ(run.exit_status, 0) << run.out;
        EXPECT_NE(run.out.find(kGreen), std::string::npos) << argv[2] << ": sealed in green:\n" << run.out;
        EXPECT_NE(run.out.find(kRed), std::string::npos) << argv[2] << ": unsealed in red:\n" << run.out;
    }
    terminal_result all = run_on_terminal({SEALKIT_CLI, "status", "--all"}, nullptr);
    EXPECT_EQ(all.exit_status, 0) << all.out;
    EXPECT_NE(all.out.find("\033["), std::string::npos) << all.out;
}

TEST_F(StatusColor, AnEmptyNoColorDoesNotCount) {
    terminal_result run = run_on_terminal({SEALKIT_CLI, "status", "--map", pid_}, "");
    EXPECT_EQ(run.exit_status, 0) << run.out;
    EXPECT_NE(run.out.find(kGreen), std::string::npos) << run.out;
}

TEST_F(StatusColor, NoColorEnvironmentTurnsThemOff) {
    for (const char *value : {"1", "0", "yes"}) {
        terminal_result run = run_on_terminal({SEALKIT_CLI, "status", "--map", pid_}, value);
        EXPECT_EQ(run.exit_status, 0) << run.out;
        EXPECT_EQ(run.out.find('\033'), std::string::npos) << "NO_COLOR=" << value << ":\n" << run.out;
        EXPECT_NE(run.out.find("##"), std::string::npos) << "the characters still tell sealed from unsealed";
    }
}

TEST_F(StatusColor, NoColorFlagTurnsThemOff) {
    for (std::vector<std::string> argv :
         {std::vector<std::string>{SEALKIT_CLI, "status", "--no-color", "--map", pid_},
          std::vector<std::string>{SEALKIT_CLI, "status", "--no-color", pid_},
          std::vector<std::string>{SEALKIT_CLI, "status", "--no-color", "--all"}}) {
        terminal_result run = run_on_terminal(argv, nullptr);
        EXPECT_EQ(run.exit_status, 0) << run.out;
        EXPECT_EQ(run.out.find('\033'), std::string::npos) << run.out;
    }
}

TEST_F(StatusColor, APipeGetsNone) {
    for (std::vector<std::string> argv : {std::vector<std::string>{SEALKIT_CLI, "status", "--map", pid_},
                                          std::vector<std::string>{SEALKIT_CLI, "status", pid_},
                                          std::vector<std::string>{SEALKIT_CLI, "status", "--all"}}) {
        command_result run = run_command(argv, {{"NO_COLOR", "", true}});
        EXPECT_EQ(run.exit_status, 0) << run.err;
        EXPECT_EQ(run.out.find('\033'), std::string::npos) << run.out;
    }
}

TEST_F(StatusColor, MachineFormatsNeverGetColours) {
    for (const char *format : {"--format=json", "--format=prometheus"}) {
        terminal_result run = run_on_terminal({SEALKIT_CLI, "status", format, pid_}, nullptr);
        EXPECT_EQ(run.exit_status, 0) << run.out;
        EXPECT_EQ(run.out.find('\033'), std::string::npos) << format << ":\n" << run.out;
    }
}

}  // namespace
