// Process trees with more than one sealer: a sealed program that starts
// another sealed program, which starts another. On the seccomp backend only
// the first sealer's filter is exec-aware (the exec guard: one listener per
// filter chain); later sealers' filters stay on the programs they exec, and
// two non-PIE executables sit at the same address. These tests start such
// chains and check that every program starts, is sealed, and keeps the
// attacks out (docs/seccomp-backend.md, "Seals end at exec").
//
// tests/programs/nonpie_exec_chain.c runs itself LEVELS deep at its fixed
// address and attacks its own image at each level; the real programs are
// python3 (non-PIE on Debian 12) starting python3, and gcc, whose driver
// and collect2 are non-PIE there.
#include <gtest/gtest.h>
#include <unistd.h>

#include <sstream>

#include "backend_cases.h"
#include "command_runner.h"

namespace {

using sealkit_test::command_result;
using sealkit_test::run_command;

const std::string kCli = SEALKIT_CLI;
const std::string kPrograms = SEALKIT_TEST_PROGRAMS;

std::vector<sealkit_test::environment_change> clean() {
    std::vector<sealkit_test::environment_change> env;
    for (const char *name : {"LD_PRELOAD", "SEALKIT_BACKEND", "SEALKIT_RELRO", "SEALKIT_ENFORCE", "SEALKIT_QUIET",
                             "SEALKIT_REPORT", "SEALKIT_REPORT_FORMAT", "SEALKIT_VDSO", "SEALKIT_ONLY_MARKED",
                             "SEALKIT_LOCKDOWN", "SEALKIT_DLOPEN", "SEALKIT_EXEC_GUARD"})
        env.push_back({name, "", true});
    return env;
}

std::vector<std::string> lines_of(const std::string &text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

class RunExecChain : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override { SKIP_UNLESS_BACKEND_WORKS_HERE(GetParam()); }
    command_result run(const std::vector<std::string> &program, std::vector<sealkit_test::environment_change> env = clean()) {
        std::vector<std::string> argv{kCli, "run", "--backend=" + GetParam(), "--enforce", "--"};
        argv.insert(argv.end(), program.begin(), program.end());
        return run_command(argv, env);
    }
};

// Four levels of the same non-PIE program: each starts (the regression:
// the third could not make its RELRO read-only under the second's filter),
// and each refuses a writable text, an unmapped read-only page and a
// discarded RELRO, with the GOT intact.
TEST_P(RunExecChain, NonPieProgramRunsItselfFourLevelsDeepSealedAtEachLevel) {
    const command_result r = run({kPrograms + "/nonpie_exec_chain", "4"});
    ASSERT_EQ(r.exit_status, 0) << r.out << r.err;
    const auto lines = lines_of(r.out);
    ASSERT_EQ(lines.size(), 4u) << r.out << r.err;
    for (int i = 0; i < 4; ++i) {
        const std::string &line = lines[static_cast<size_t>(i)];
        EXPECT_EQ(line.rfind("level " + std::to_string(4 - i) + ": ", 0), 0u) << line;
        EXPECT_NE(line.find("text: EPERM, munmap: EPERM, RELRO discard: EPERM,"), std::string::npos) << line;
        EXPECT_EQ(line.find("GOT CHANGED"), std::string::npos) << line;
        // What the kernel refuses and what a filter that outlives exec lets
        // through: taking access away (PROT_READ) inside a non-PIE image.
        if (GetParam() == "kernel" || i == 0)
            EXPECT_NE(line.find("mprotect PROT_READ: EPERM"), std::string::npos) << line;
        else
            EXPECT_NE(line.find("mprotect PROT_READ: allowed"), std::string::npos) << line;
    }
    EXPECT_EQ(r.err, "");
}

// Without the exec guard every filter outlives exec, the first sealer's
// too: the chain must still start at every level.
TEST_P(RunExecChain, NonPieChainStartsWithTheExecGuardOff) {
    auto env = clean();
    env.push_back({"SEALKIT_EXEC_GUARD", "0"});
    const command_result r = run({kPrograms + "/nonpie_exec_chain", "3"}, env);
    ASSERT_EQ(r.exit_status, 0) << r.out << r.err;
    EXPECT_EQ(lines_of(r.out).size(), 3u) << r.out;
}

TEST_P(RunExecChain, Python3StartsPython3ThreeDeep) {
    if (access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/python3 on this machine";
    const std::string inner = "import subprocess, sys; subprocess.run([sys.executable, '-c', 'print(3)'], check=True)";
    const std::string outer =
        "import subprocess, sys; subprocess.run([sys.executable, '-c', " + std::string("\"") + inner + "\"], check=True)";
    const command_result r = run({"/usr/bin/python3", "-c", outer});
    EXPECT_EQ(r.exit_status, 0) << r.err;
    EXPECT_EQ(r.out, "3\n") << r.err;
    EXPECT_EQ(r.err, "");
}

TEST_P(RunExecChain, ShellRunsGccThenTheProgramItBuilt) {
    if (access("/usr/bin/gcc", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/gcc on this machine";
    char directory[] = "/tmp/sealkit-exec-chain-XXXXXX";
    ASSERT_NE(mkdtemp(directory), nullptr);
    const std::string dir = directory;
    const std::string script = "cd " + dir + " && printf 'int main(void){return 7;}\\n' > t.c && gcc t.c -o t && ./t; echo $?";
    const command_result r = run({"/bin/sh", "-c", script});
    EXPECT_EQ(r.exit_status, 0) << r.err;
    EXPECT_EQ(r.out, "7\n") << r.err;
    EXPECT_EQ(r.err, "");
    run_command({"/bin/rm", "-rf", dir});
}

// ASLR off (setarch -R, as gdb runs programs): every program of the chain
// sits at the addresses of the one before, so the first sealer's filter,
// which traps mseal from its own code for emulation, traps the next
// program's start-up probe, which had no SIGSYS handler yet: the second
// shell died of SIGSYS (exit 159). Now the programs below the first run
// unsealed, each saying why, and the chain finishes; --enforce stops the
// second one instead, naming the reason.
TEST(RunExecChainWithoutAslr, ProgramsBelowTheFirstSealerRunUnsealedAndSayWhy) {
    SKIP_UNLESS_BACKEND_WORKS_HERE("seccomp");
    const char *setarch = "/usr/bin/setarch";
    if (access(setarch, X_OK) != 0) GTEST_SKIP() << "no " << setarch << " (util-linux) here";
    const std::string chain = "/bin/sh -c '/bin/echo deep'";
    command_result plain = run_command({setarch, "-R", "/bin/sh", "-c", "/bin/sh -c true && echo ran"}, clean());
    if (plain.exit_status != 0) GTEST_SKIP() << "setarch -R does not work here: " << plain.err;
    command_result r = run_command({setarch, "-R", kCli, "run", "--backend=seccomp", "--", "/bin/sh", "-c", chain}, clean());
    EXPECT_EQ(r.exit_status, 0) << r.err;
    EXPECT_EQ(r.out, "deep\n") << r.err;
    EXPECT_NE(r.err.find("an earlier program's seccomp seals trap mseal(2) at this program's addresses"),
              std::string::npos)
        << r.err;
    command_result enforced =
        run_command({setarch, "-R", kCli, "run", "--backend=seccomp", "--enforce", "--", "/bin/sh", "-c", chain},
                    clean());
    EXPECT_NE(enforced.exit_status, 0);
    EXPECT_NE(enforced.exit_status, 128 + 31) << "killed by SIGSYS: " << enforced.err;
    EXPECT_EQ(enforced.out, "") << "the program below the first sealer must not run under --enforce";
    EXPECT_NE(enforced.err.find("an earlier program's seccomp seals trap mseal(2)"), std::string::npos)
        << enforced.err;
}

INSTANTIATE_TEST_SUITE_P(On, RunExecChain, sealkit_test::each_backend(), sealkit_test::backend_case_name);

}  // namespace
