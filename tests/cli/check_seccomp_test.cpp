// `sealkit check` says whether a seccomp filter can really be installed, and
// why not: here it can; in a process whose filter chain is already full it
// names the full chain (the seccomp backend could not add a seal there);
// where no_new_privs is refused, or the kernel has no seccomp filtering, it
// says that (both made real for `sealkit check` by a filter of the test's
// that answers those calls as such a kernel or policy would).
#include <errno.h>
#include <stddef.h>
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

// Runs `sealkit check` in a child whose own filter answers prctl(option)
// (and, with also_seccomp, the seccomp syscall) with errno `answer`; returns
// what check printed. Filters are inherited by exec.
std::string check_output_under_refusal(unsigned option, int answer, bool also_seccomp) {
    int out[2];
    if (pipe(out) != 0) return "pipe failed";
    pid_t child = fork();
    if (child < 0) return "fork failed";
    if (child == 0) {
        dup2(out[1], STDOUT_FILENO);
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(91);
        const uint32_t refuse = SECCOMP_RET_ERRNO | static_cast<uint32_t>(answer);
        sock_filter code[] = {
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_seccomp, 0, 1),
            BPF_STMT(BPF_RET | BPF_K, also_seccomp ? refuse : SECCOMP_RET_ALLOW),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_prctl, 0, 3),
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[0])),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, option, 0, 1),
            BPF_STMT(BPF_RET | BPF_K, refuse),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        sock_fprog program{static_cast<unsigned short>(sizeof code / sizeof code[0]), code};
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) != 0) _exit(92);
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
    if (!WIFEXITED(status) || WEXITSTATUS(status) >= 90) return "child status " + std::to_string(status);
    return text;
}

TEST(CheckSeccomp, ARefusedNoNewPrivsIsNamed) {
    const std::string text = check_output_under_refusal(PR_SET_NO_NEW_PRIVS, EPERM, false);
    EXPECT_NE(text.find("a filter cannot be installed: no_new_privs refused (Operation not permitted)"),
              std::string::npos)
        << text;
}

TEST(CheckSeccomp, AKernelWithoutSeccompFilteringIsNamed) {
    // What such a kernel answers: EINVAL for SECCOMP_MODE_FILTER, through
    // prctl(PR_SET_SECCOMP) and the seccomp system call alike.
    const std::string text = check_output_under_refusal(PR_SET_SECCOMP, EINVAL, true);
    EXPECT_NE(text.find("not available (no CONFIG_SECCOMP_FILTER)"), std::string::npos) << text;
    EXPECT_EQ(text.find("seccomp filters   available"), std::string::npos) << text;
}

}  // namespace
