// `sealkit run --dlopen=nodelete|pin|off` (SEALKIT_DLOPEN): objects a
// program dlopen's after start-up, sealed by the preload's policy
// (src/preload/dlopen_policy.h). Each case runs tests/dlopen/dlopen_target
// under sealkit run and compares with a plain run, so each can fail: a
// library is "sealed" when mprotect of its text is refused with EPERM.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <algorithm>
#include <sstream>

#include "command_runner.h"

namespace {

using sealkit_test::command_result;
using sealkit_test::run_command;

const std::string kCli = SEALKIT_CLI;
const std::string kDir = std::string(SEALKIT_TEST_PROGRAMS) + "/dlopen";
const std::string kTarget = kDir + "/dlopen_target";
const std::string kPlain = kDir + "/libdlopen_plain.so";
const std::string kNodelete = kDir + "/libdlopen_nodelete.so";
const std::string kOpener = kDir + "/libdlopen_runpath_opener.so";
const std::string kNeedsPlain = kDir + "/libdlopen_needs_plain.so";
const std::string kUnsealable = kDir + "/libdlopen_unsealable.so";

std::vector<sealkit_test::environment_change> clean() {
    std::vector<sealkit_test::environment_change> env;
    for (const char *name : {"LD_PRELOAD", "LD_LIBRARY_PATH", "SEALKIT_BACKEND", "SEALKIT_RELRO", "SEALKIT_ENFORCE",
                             "SEALKIT_QUIET", "SEALKIT_REPORT", "SEALKIT_REPORT_FORMAT", "SEALKIT_VDSO",
                             "SEALKIT_ONLY_MARKED", "SEALKIT_LOCKDOWN", "SEALKIT_DLOPEN"})
        env.push_back({name, "", true});
    return env;
}

// The program under `sealkit run --enforce --dlopen=mode`, or plain when
// mode is "".
command_result run_under(const std::string &mode, std::vector<std::string> argv,
                         std::vector<sealkit_test::environment_change> env = clean()) {
    if (!mode.empty()) argv.insert(argv.begin(), {kCli, "run", "--enforce", "--dlopen=" + mode, "--"});
    return run_command(argv, env);
}

const std::vector<std::string> kModes = {"nodelete", "pin", "off"};

bool has(const command_result &r, const std::string &line) { return r.out.find(line + "\n") != std::string::npos; }

TEST(RunDlopen, NodeleteSealsALibraryFlaggedNodelete) {
    command_result r = run_under("nodelete", {kTarget, "open", kNodelete});
    ASSERT_EQ(r.exit_status, 0) << r.out << r.err;
    EXPECT_TRUE(has(r, "sealed=1")) << r.out;
    EXPECT_TRUE(has(r, "mapped_after_dlclose=1")) << r.out;
}

TEST(RunDlopen, NodeleteSealsALibraryOpenedWithRtldNodelete) {
    command_result r = run_under("nodelete", {kTarget, "open", kPlain, "nodelete"});
    ASSERT_EQ(r.exit_status, 0) << r.out << r.err;
    EXPECT_TRUE(has(r, "sealed=1")) << r.out;
}

// The DT_NEEDED closure of a permanent object is sealed with it: the
// tag function the target finds is the dependency's (libdlopen_plain.so).
TEST(RunDlopen, NodeleteSealsTheDependenciesOfAPermanentObject) {
    command_result r = run_under("nodelete", {kTarget, "open", kNeedsPlain});
    ASSERT_EQ(r.exit_status, 0) << r.out << r.err;
    EXPECT_TRUE(has(r, "tag=plain")) << r.out;
    EXPECT_TRUE(has(r, "sealed=1")) << r.out;
    command_result off = run_under("off", {kTarget, "open", kNeedsPlain});
    EXPECT_TRUE(has(off, "sealed=0")) << off.out;
}

TEST(RunDlopen, NodeleteIsTheDefault) {
    command_result r = run_command({kCli, "run", "--", kTarget, "open", kNodelete}, clean());
    ASSERT_EQ(r.exit_status, 0) << r.out << r.err;
    EXPECT_TRUE(has(r, "sealed=1")) << r.out;
}

TEST(RunDlopen, NodeleteLeavesAnUnloadableLibraryUnsealedSoDlcloseUnloadsIt) {
    command_result r = run_under("nodelete", {kTarget, "open", kPlain});
    ASSERT_EQ(r.exit_status, 0) << r.out << r.err;
    EXPECT_TRUE(has(r, "sealed=0")) << r.out;
    EXPECT_TRUE(has(r, "dlclose=0")) << r.out;
    EXPECT_TRUE(has(r, "mapped_after_dlclose=0")) << r.out;
    EXPECT_TRUE(has(r, "reopened=1")) << r.out;
}

TEST(RunDlopen, PinSealsAnOrdinaryLibraryAndDlcloseLeavesItMapped) {
    command_result r = run_under("pin", {kTarget, "open", kPlain});
    ASSERT_EQ(r.exit_status, 0) << r.out << r.err;
    EXPECT_TRUE(has(r, "sealed=1")) << r.out;
    EXPECT_TRUE(has(r, "dlclose=0")) << r.out;
    EXPECT_TRUE(has(r, "mapped_after_dlclose=1")) << r.out;
    EXPECT_TRUE(has(r, "reopened=1")) << r.out;
}

TEST(RunDlopen, OffSealsNothingOpenedAfterStartup) {
    for (const std::string &library : {kPlain, kNodelete}) {
        command_result r = run_under("off", {kTarget, "open", library});
        ASSERT_EQ(r.exit_status, 0) << r.out << r.err;
        EXPECT_TRUE(has(r, "sealed=0")) << library << "\n" << r.out;
    }
    command_result plain = run_under("off", {kTarget, "open", kPlain});
    EXPECT_TRUE(has(plain, "mapped_after_dlclose=0")) << plain.out;
}

TEST(RunDlopen, WithoutSealkitNothingIsSealed) {
    for (const std::string &library : {kPlain, kNodelete}) {
        command_result r = run_under("", {kTarget, "open", library});
        ASSERT_EQ(r.exit_status, 0) << r.out << r.err;
        EXPECT_TRUE(has(r, "sealed=0")) << "the control: " << library << "\n" << r.out;
    }
}

bool kernel_has_mseal() { return syscall(462, nullptr, 0, 0) == 0; }

// A dlopen'ed object that cannot be sealed (it sealed part of its own RELRO,
// so moving RELRO is refused): one warning naming it and the errno, and the
// program runs on; under --enforce the program stops there with status 125.
TEST(RunDlopen, AnObjectThatCannotBeSealedWarnsOnceOrStopsUnderEnforce) {
    if (!kernel_has_mseal()) GTEST_SKIP() << "the library seals part of itself with the kernel's mseal";
    command_result warned = run_command({kCli, "run", "--", kTarget, "open", kUnsealable}, clean());
    EXPECT_EQ(warned.exit_status, 0) << warned.err;
    EXPECT_TRUE(has(warned, "tag=unsealable")) << warned.out;
    EXPECT_EQ(warned.err, "sealkit: could not seal " + kUnsealable + ": Operation not permitted (relro); running on\n");
    command_result quiet = run_command({kCli, "run", "--quiet", "--", kTarget, "open", kUnsealable}, clean());
    EXPECT_EQ(quiet.err, "");
    command_result stopped = run_under("nodelete", {kTarget, "open", kUnsealable});
    EXPECT_EQ(stopped.exit_status, 125) << stopped.err;
    EXPECT_EQ(stopped.out, "") << "the program stops inside that dlopen";
    EXPECT_EQ(stopped.err, "sealkit: could not seal " + kUnsealable +
                               ": Operation not permitted (relro); stopping (SEALKIT_ENFORCE=1)\n");
}

// The preload adds exactly its start hook and the three loader entry points
// to a program (src/preload/libsealkit-preload.map).
TEST(RunDlopen, ThePreloadExportsTheStartHookAndDlopenDlmopenDlclose) {
    command_result r = run_command({"/bin/sh", "-c", std::string("nm -D --defined-only ") + SEALKIT_PRELOAD_LIBRARY},
                                   clean());
    if (r.exit_status == 127) GTEST_SKIP() << "nm is not installed";
    ASSERT_EQ(r.exit_status, 0) << r.err;
    std::vector<std::string> names;
    std::istringstream lines(r.out);
    for (std::string address, type, name; lines >> address >> type >> name;) names.push_back(type + " " + name);
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"T __libc_start_main", "T dlclose", "T dlmopen", "T dlopen"})) << r.out;
}

// A constructor's dlopen, before start-up sealing: the preload cannot
// post-process it then, and catches it up just before main. Under pin the
// library is sealed and stays; under nodelete it stays unsealed and
// unloadable (tests/programs/startup_dlopen_target exits 0 exactly then).
TEST(RunDlopen, AConstructorsDlopenIsCaughtUpBeforeMain) {
    const std::string target = std::string(SEALKIT_TEST_PROGRAMS) + "/startup_dlopen_target";
    std::vector<sealkit_test::environment_change> env = clean();
    env.push_back({"TARGET_LIBRARY", kPlain});
    command_result nodelete = run_under("nodelete", {target}, env);
    EXPECT_EQ(nodelete.exit_status, 0) << nodelete.out << nodelete.err;
    command_result pin = run_under("pin", {target}, env);
    EXPECT_EQ(pin.exit_status, 1) << "sealed, so dlclose leaves it: " << pin.out << pin.err;
    // The target counts seals in smaps, where only the kernel's show.
    if (kernel_has_mseal()) EXPECT_EQ(pin.out.find(" 0 sealed"), std::string::npos) << pin.out;
}

// glibc searches a library's RUNPATH for the names it dlopens; the target's
// DT_RPATH holds a decoy that a search made from the preload would find.
TEST(RunDlopen, ABareNameOpenedByALibraryWithRunpathFindsTheSameFileInEveryMode) {
    command_result plain = run_under("", {kTarget, "runpath", kOpener});
    ASSERT_EQ(plain.exit_status, 0) << plain.out << plain.err;
    ASSERT_TRUE(has(plain, "found=runpath")) << plain.out;
    for (const std::string &mode : kModes) {
        command_result r = run_under(mode, {kTarget, "runpath", kOpener});
        EXPECT_EQ(r.exit_status, 0) << mode << ": " << r.err;
        EXPECT_TRUE(has(r, "found=runpath")) << mode << ": " << r.out;
    }
}

// That dlopen went straight to glibc; the next one through the preload
// seals what it loaded (pin), and leaves it under nodelete and off.
TEST(RunDlopen, WhatATailCalledDlopenLoadedIsSealedAtTheNextDlopen) {
    command_result pin = run_under("pin", {kTarget, "runpath", kOpener});
    ASSERT_EQ(pin.exit_status, 0) << pin.out << pin.err;
    EXPECT_TRUE(has(pin, "choice_sealed=1")) << pin.out;
    for (const std::string &mode : {std::string("nodelete"), std::string("off")}) {
        command_result r = run_under(mode, {kTarget, "runpath", kOpener});
        EXPECT_TRUE(has(r, "choice_sealed=0")) << mode << ": " << r.out;
    }
}

TEST(RunDlopen, FailedCallsKeepTheirErrorAndNothingElseIsReported) {
    command_result plain = run_under("", {kTarget, "missing"});
    ASSERT_EQ(plain.exit_status, 0) << plain.err;
    ASSERT_NE(plain.out.find("libsealkit-no-such-library.so: cannot open shared object file"), std::string::npos)
        << plain.out;
    for (const std::string &mode : kModes) {
        command_result r = run_under(mode, {kTarget, "missing"});
        EXPECT_EQ(r.exit_status, 0) << mode << ": " << r.err;
        EXPECT_EQ(r.out, plain.out) << mode;
        EXPECT_EQ(r.err, "") << mode;
    }
}

// dlmopen is passed on unchanged: it works, and nothing it opens (in a
// namespace of its own, with its own libc) is sealed, even under pin.
TEST(RunDlopen, DlmopenIsPassedOnAndNotSealed) {
    command_result plain = run_under("", {kTarget, "dlmopen", kNodelete});
    ASSERT_EQ(plain.exit_status, 0) << plain.out << plain.err;
    for (const std::string &mode : kModes) {
        command_result r = run_under(mode, {kTarget, "dlmopen", kNodelete});
        EXPECT_EQ(r.exit_status, 0) << mode << ": " << r.err;
        EXPECT_EQ(r.out, plain.out) << mode;
        EXPECT_TRUE(has(r, "sealed=0")) << mode << ": " << r.out;
    }
}

// dlopen and dlclose in several threads at once: no deadlock, no failure,
// and what must be sealed is.
TEST(RunDlopen, ThreadsOpeningAndClosingAtOnceAllSucceed) {
    for (const std::string &mode : kModes) {
        command_result r = run_under(mode, {kTarget, "threads", kPlain, kNodelete});
        ASSERT_EQ(r.exit_status, 0) << mode << ": " << r.out << r.err;
        EXPECT_TRUE(has(r, "failures=0")) << mode << ": " << r.out;
        EXPECT_TRUE(has(r, mode == "off" ? "nodelete_sealed=0" : "nodelete_sealed=1")) << mode << ": " << r.out;
    }
}

TEST(RunDlopen, AnUnknownModeIsAUsageErrorAndAnUnknownVariableIsNamed) {
    command_result r = run_command({kCli, "run", "--dlopen=always", "--", "/bin/true"}, clean());
    EXPECT_EQ(r.exit_status, 2) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    std::vector<sealkit_test::environment_change> env = clean();
    env.push_back({"SEALKIT_DLOPEN", "always"});
    env.push_back({"LD_PRELOAD", SEALKIT_PRELOAD_LIBRARY});
    command_result variable = run_command({"/bin/true"}, env);
    EXPECT_EQ(variable.exit_status, 0);
    EXPECT_NE(variable.err.find("SEALKIT_DLOPEN=always is not one of nodelete, pin, off"), std::string::npos)
        << variable.err;
}

// Python importing C extensions and ctypes loading and closing a library:
// the same output and exit status under every mode as without sealkit.
const std::string kPythonScript =
    "import ssl, sqlite3, ctypes, decimal, json\n"
    "lib = ctypes.CDLL('libz.so.1'); v = lib.zlibVersion; import _ctypes\n"
    "_ctypes.dlclose(lib._handle)\n"
    "print(decimal.Decimal(1) / 7, json.dumps({'tls': ssl.OPENSSL_VERSION_NUMBER > 0}))\n"
    "print(sqlite3.connect(':memory:').execute('select 6*7').fetchone())\n";

bool have_python() {
    struct stat st;
    return stat("/usr/bin/python3", &st) == 0;
}

TEST(RunDlopen, PythonBehavesTheSameInEveryMode) {
    if (!have_python()) GTEST_SKIP() << "/usr/bin/python3 is not installed";
    command_result plain = run_under("", {"/usr/bin/python3", "-c", kPythonScript});
    ASSERT_EQ(plain.exit_status, 0) << plain.err;
    for (const std::string &mode : kModes) {
        command_result r = run_under(mode, {"/usr/bin/python3", "-c", kPythonScript});
        EXPECT_EQ(r.exit_status, plain.exit_status) << mode << ": " << r.err;
        EXPECT_EQ(r.out, plain.out) << mode;
        EXPECT_EQ(r.err, plain.err) << mode;
    }
}

// The other real programs of run_command_test (which runs them under the
// default policy) under pin, where every dlopen'ed object stays for good.
struct real_program {
    const char *name;
    std::vector<std::string> argv;
};

class RunDlopenPin : public ::testing::TestWithParam<real_program> {};

TEST_P(RunDlopenPin, RealProgramBehavesTheSame) {
    const real_program &p = GetParam();
    struct stat st;
    if (stat(p.argv[0].c_str(), &st) != 0) GTEST_SKIP() << p.argv[0] << " is not installed";
    char directory[] = "/tmp/sealkit-dlopen-XXXXXX";
    ASSERT_NE(mkdtemp(directory), nullptr);
    std::vector<std::string> argv{"/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory};
    argv.insert(argv.end(), p.argv.begin(), p.argv.end());
    command_result plain = run_under("", argv);
    std::string reset = std::string("rm -rf ") + directory + "/* " + directory + "/.git";
    ASSERT_EQ(system(reset.c_str()), 0);
    command_result pinned = run_under("pin", argv);
    EXPECT_EQ(pinned.exit_status, plain.exit_status) << pinned.err;
    EXPECT_EQ(pinned.out, plain.out);
    std::string cleanup = std::string("rm -rf ") + directory;
    EXPECT_EQ(system(cleanup.c_str()), 0);
}

INSTANTIATE_TEST_SUITE_P(
    Programs, RunDlopenPin,
    ::testing::Values(
        real_program{"perl", {"/usr/bin/perl", "-MPOSIX", "-e", "print POSIX::floor(7.9), qq(\\n)"}},
        real_program{"git", {"/bin/sh", "-c",
                             "git init -q . && echo x > f && git add f && "
                             "git -c user.name=a -c user.email=a@b commit -qm one && git log --format=%s"}},
        real_program{"gcc", {"/bin/sh", "-c",
                             "printf 'int main(void){return 3;}' > t.c && gcc t.c -o t && ./t; echo $?"}},
        real_program{"node", {"/usr/bin/node", "-e", "console.log([1,2,3].map(x => x * 2).join(','))"}},
        real_program{"java", {"/usr/bin/java", "-version"}}),
    [](const ::testing::TestParamInfo<real_program> &param) { return std::string(param.param.name); });

// Under pin the extension modules and the closed library are sealed too:
// `sealkit status` of the process counts at least 95% of its file-backed
// bytes sealed (nodelete leaves the modules, so about 60%).
TEST(RunDlopen, PythonUnderPinHasAtLeast95PercentOfFileBackedBytesSealed) {
    if (!have_python()) GTEST_SKIP() << "/usr/bin/python3 is not installed";
    if (!kernel_has_mseal()) GTEST_SKIP() << "sealkit status reads seals from smaps: needs kernel mseal";
    const std::string script = kPythonScript +
                               "import os, subprocess, sys\n"
                               "sys.stdout.write(subprocess.run('" + kCli +
                               " status --json %d' % os.getpid(), shell=True, capture_output=True, "
                               "text=True).stdout)\n";
    std::vector<sealkit_test::environment_change> env = clean();
    env.push_back({"LC_ALL", "C"});
    command_result r = run_under("pin", {"/usr/bin/python3", "-c", script}, env);
    ASSERT_EQ(r.exit_status, 0) << r.err;
    std::string json = r.out.substr(r.out.find("\n{") + 1);  // after the script's own lines
    nlohmann::json status = nlohmann::json::parse(json);
    const nlohmann::json &process = status["processes"][0];
    EXPECT_GE(process["sealed_file_backed_percent"].get<double>(), 95.0) << process.dump(2);
    bool saw_extension = false;
    for (const nlohmann::json &object : process["objects"]) {
        if (object["kind"] != "executable" && object["kind"] != "library") continue;
        std::string path = object["name"];
        if (path.find("lib-dynload") != std::string::npos) saw_extension = true;
        EXPECT_EQ(object["sealed_bytes"], object["bytes"]) << object.dump(2);
    }
    EXPECT_TRUE(saw_extension) << "python's C extensions (lib-dynload) are among the sealed objects";
}

}  // namespace
