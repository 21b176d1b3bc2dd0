// What start-up sealing does with a SEALKIT_* value it does not understand:
// it says so in one line naming the variable, the value and the accepted
// values; a typo in SEALKIT_ENFORCE enforces (exit 125 before main), and
// the core's own switches (SEALKIT_DENY_IO_URING, SEALKIT_EXEC_GUARD,
// SEALKIT_EMULATE_MSEAL) fail closed with one warning, sealing going on.
#include <gtest/gtest.h>
#include <stdio.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "command_runner.h"

namespace {

using sealkit_test::command_result;
using sealkit_test::environment_change;
using sealkit_test::run_command;

const std::string kCli = SEALKIT_CLI;

std::vector<environment_change> clean() {
    std::vector<environment_change> env;
    for (const char *name :
         {"LD_PRELOAD", "SEALKIT_BACKEND", "SEALKIT_RELRO", "SEALKIT_ENFORCE", "SEALKIT_QUIET", "SEALKIT_REPORT",
          "SEALKIT_REPORT_FORMAT", "SEALKIT_VDSO", "SEALKIT_ONLY_MARKED", "SEALKIT_LOCKDOWN", "SEALKIT_DLOPEN",
          "SEALKIT_DENY_IO_URING", "SEALKIT_EXEC_GUARD", "SEALKIT_EMULATE_MSEAL"})
        env.push_back({name, "", true});
    return env;
}

// /bin/echo under the preload with extra variables set.
command_result echo_with(std::vector<environment_change> extra) {
    std::vector<environment_change> env = clean();
    env.push_back({"LD_PRELOAD", SEALKIT_PRELOAD_LIBRARY});
    env.insert(env.end(), extra.begin(), extra.end());
    return run_command({"/bin/echo", "main ran"}, env);
}

size_t lines(const std::string &text) { return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')); }

TEST(RunSwitches, AnEnforceValueItDoesNotUnderstandEnforcesAndIsNamed) {
    command_result r = echo_with({{"SEALKIT_ENFORCE", "maybe"}});
    EXPECT_EQ(r.exit_status, 125) << r.err;
    EXPECT_EQ(r.out, "") << "main must not run";
    EXPECT_NE(r.err.find("SEALKIT_ENFORCE=maybe is not one of 1, yes, true, on, 0, no, false, off"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(lines(r.err), 1u) << r.err;
    // Through `sealkit run` too (the variable comes from the environment).
    std::vector<environment_change> env = clean();
    env.push_back({"SEALKIT_ENFORCE", "maybe"});
    command_result run = run_command({kCli, "run", "--", "/bin/echo", "main ran"}, env);
    EXPECT_EQ(run.exit_status, 125) << run.err;
    EXPECT_EQ(run.out, "");
}

TEST(RunSwitches, EveryWordOfASwitchIsUnderstood) {
    for (const char *word : {"yes", "true", "on", "no", "false", "off", "1", "0"}) {
        command_result r = echo_with({{"SEALKIT_QUIET", word}, {"SEALKIT_ENFORCE", "no"}});
        EXPECT_EQ(r.exit_status, 0) << word << ": " << r.err;
        EXPECT_EQ(r.out, "main ran\n") << word;
        EXPECT_EQ(r.err.find("is not one of"), std::string::npos) << word << ": " << r.err;
    }
}

TEST(RunSwitches, ARelroValueItDoesNotUnderstandIsNamedWithTheAcceptedOnes) {
    command_result r = echo_with({{"SEALKIT_RELRO", "fiel"}});
    EXPECT_EQ(r.exit_status, 0) << r.err;
    EXPECT_NE(r.err.find("sealkit: SEALKIT_RELRO=fiel is not one of anonymous, file"), std::string::npos) << r.err;
    EXPECT_EQ(lines(r.err), 1u) << r.err;
}

TEST(RunSwitches, AValueWithAControlCharacterStaysOnOneLine) {
    command_result r = echo_with({{"SEALKIT_REPORT_FORMAT", "js\non\x1b[31m"}});
    EXPECT_NE(r.err.find("SEALKIT_REPORT_FORMAT=js?on?[31m is not one of text, json"), std::string::npos) << r.err;
    EXPECT_EQ(lines(r.err), 1u) << r.err;
}

TEST(RunSwitches, ACoreSwitchValueItDoesNotUnderstandIsNamedOnceAndSealingGoesOn) {
    for (const char *name : {"SEALKIT_DENY_IO_URING", "SEALKIT_EXEC_GUARD", "SEALKIT_EMULATE_MSEAL"}) {
        command_result r = echo_with({{name, "bogus"}, {"SEALKIT_REPORT", "-"}});
        EXPECT_EQ(r.exit_status, 0) << name << ": " << r.err;
        EXPECT_EQ(r.out, "main ran\n") << name;
        const std::string warning = std::string("sealkit: ") + name + "=bogus is not one of 1, yes, true, on, 0, no, "
                                                                      "false, off; taken as on";
        const size_t at = r.err.find(warning);
        EXPECT_NE(at, std::string::npos) << name << ": " << r.err;
        EXPECT_EQ(r.err.find(warning, at + 1), std::string::npos) << "once: " << r.err;
        EXPECT_NE(r.err.find("sealkit: sealed"), std::string::npos) << "sealing went on: " << r.err;
        command_result quiet = echo_with({{name, "bogus"}, {"SEALKIT_QUIET", "1"}});
        EXPECT_EQ(quiet.err, "") << name;
        command_result understood = echo_with({{name, "off"}});
        EXPECT_EQ(understood.err, "") << name;
    }
}

TEST(RunSwitches, AFlagGivenAValueIsAUsageErrorNamingIt) {
    for (const char *word : {"--enforce=2", "--quiet=no", "--vdso=true", "--only-marked=", "--lockdown=0"}) {
        command_result r = run_command({kCli, "run", word, "--", "/bin/echo", "main ran"}, clean());
        EXPECT_EQ(r.exit_status, 2) << word << ": " << r.err;
        EXPECT_EQ(r.out, "") << word;
        const std::string flag = std::string(word).substr(0, std::string(word).find('='));
        EXPECT_NE(r.err.find("sealkit run: " + flag + " takes no value ('" + word + "')"), std::string::npos) << r.err;
        EXPECT_EQ(lines(r.err), 1u) << r.err;
    }
    // Without "--" too, and a flag's value never reaches the program.
    command_result r = run_command({kCli, "run", "--enforce=maybe", "/bin/echo", "main ran"}, clean());
    EXPECT_EQ(r.exit_status, 2) << r.err;
    // After the program the word is the program's.
    command_result program = run_command({kCli, "run", "--", "/bin/echo", "--enforce=2"}, clean());
    EXPECT_EQ(program.exit_status, 0) << program.err;
    EXPECT_EQ(program.out, "--enforce=2\n");
}

TEST(RunSwitches, TheUsageLineShowsTheProgramPart) {
    for (std::vector<std::string> argv : {std::vector<std::string>{kCli, "run", "--help"},
                                          std::vector<std::string>{kCli, "help", "run"}}) {
        command_result r = run_command(argv, clean());
        EXPECT_EQ(r.exit_status, 0) << r.err;
        EXPECT_NE(r.out.find("Usage: sealkit run [OPTIONS] -- PROGRAM [ARGS...]\n"), std::string::npos) << r.out;
    }
}

}  // namespace

namespace {

// SEALKIT_PRELOAD_PATH naming something ld.so cannot load: ld.so would only
// warn and run the program unsealed with exit 0, so `sealkit run` checks
// the path and runs nothing (exit 125, one line naming the value). The
// real preload named by the variable runs the program sealed.
TEST(RunSwitches, APreloadPathThatIsNotThePreloadRunsNothing) {
    char directory[] = "/tmp/sealkit-preload-path-XXXXXX";
    ASSERT_NE(mkdtemp(directory), nullptr);
    const std::string marker = std::string(directory) + "/ran";
    const std::string not_elf = std::string(directory) + "/text.so";
    FILE *text = fopen(not_elf.c_str(), "w");
    ASSERT_NE(text, nullptr);
    fputs("not a library\n", text);
    fclose(text);
    for (const std::string &path : {std::string(directory) + "/missing.so", not_elf, std::string(directory)}) {
        std::vector<environment_change> env = clean();
        env.push_back({"SEALKIT_PRELOAD_PATH", path});
        command_result r = run_command({kCli, "run", "--", "/usr/bin/touch", marker}, env);
        EXPECT_EQ(r.exit_status, 125) << path << ": " << r.err;
        EXPECT_EQ(r.err.rfind("sealkit run: SEALKIT_PRELOAD_PATH=" + path + ": ", 0), 0u) << r.err;
        EXPECT_EQ(lines(r.err), 1u) << r.err;
        EXPECT_NE(access(marker.c_str(), F_OK), 0) << "the program ran with " << path;
    }
    // The real preload, named by the variable: the program runs sealed (a
    // program of ours: /usr/bin/touch may be static, as in the 6.1 guest).
    std::vector<environment_change> env = clean();
    env.push_back({"SEALKIT_PRELOAD_PATH", SEALKIT_PRELOAD_LIBRARY});
    command_result good =
        run_command({kCli, "run", "--report", "--", std::string(SEALKIT_TEST_PROGRAMS) + "/startup_timing_target"}, env);
    EXPECT_EQ(good.exit_status, 0) << good.err;
    EXPECT_NE(good.err.find("sealkit: sealed "), std::string::npos) << good.err;
    unlink(not_elf.c_str());
    rmdir(directory);
}

}  // namespace
