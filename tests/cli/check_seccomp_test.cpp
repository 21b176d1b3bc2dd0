// `sealkit check` says whether a seccomp filter can really be installed, and
// why not: here it can; in a process whose filter chain is already full it
// names the full chain (the seccomp backend could not add a seal there).
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "cli/command_runner.h"

namespace {

TEST(CheckSeccomp, AFilterCanBeInstalledHere) {
    auto run = sealkit_test::run_command({SEALKIT_CLI, "check", "--json"});
    auto j = nlohmann::json::parse(run.out);
    EXPECT_TRUE(j.at("seccomp").at("install_problem").is_null()) << run.out;
}

TEST(CheckSeccomp, SaysWhetherSealsEndAtExecAndWhyNot) {
    // This kernel (6.18 here, 6.1 in the guest) has everything the exec
    // guard needs; SEALKIT_EXEC_GUARD=0 turns it off, and check says so.
    auto run = sealkit_test::run_command({SEALKIT_CLI, "check", "--json"});
    auto j = nlohmann::json::parse(run.out);
    EXPECT_TRUE(j.at("seccomp").at("exec_guard").at("available").get<bool>()) << run.out;
    EXPECT_TRUE(j.at("seccomp").at("exec_guard").at("problem").is_null()) << run.out;
    auto text = sealkit_test::run_command({"/usr/bin/env", "SEALKIT_EXEC_GUARD=0", SEALKIT_CLI, "check"});
    EXPECT_NE(text.out.find("exec guard        not available (SEALKIT_EXEC_GUARD=0 turned the exec guard off)"),
              std::string::npos)
        << text.out;
}

TEST(CheckSeccomp, AFullFilterChainIsNamed) {
    // Fill this child's chain with one-instruction filters until the kernel
    // says ENOMEM, then run check from it (filters are inherited by exec).
    int out[2];
    ASSERT_EQ(pipe(out), 0);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        dup2(out[1], STDOUT_FILENO);
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(91);
        sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        sock_fprog program{1, &allow};
        int installed = 0;
        while (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) == 0) ++installed;
        if (errno != ENOMEM || installed == 0) _exit(92);
        execl(SEALKIT_CLI, SEALKIT_CLI, "check", static_cast<char *>(nullptr));
        _exit(93);
    }
    close(out[1]);
    std::string text;
    char chunk[4096];
    for (ssize_t got; (got = read(out[0], chunk, sizeof chunk)) > 0;) text.append(chunk, static_cast<size_t>(got));
    close(out[0]);
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) < 90) << "child status " << status;
    EXPECT_NE(text.find("filter chain is full"), std::string::npos) << text;
}

}  // namespace
