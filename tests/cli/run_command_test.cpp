// `sealkit run`: the attacks of the startup-sealing proof against programs
// started by the CLI, its exit statuses, its argument handling, its report
// options, and real programs behaving exactly as without it.
#include <gtest/gtest.h>
#include <tuple>
#include <nlohmann/json.hpp>
#include <elf.h>
#include <string.h>
#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <sstream>

#include "backend_cases.h"
#include "command_runner.h"

namespace {

using sealkit_test::command_result;
using sealkit_test::run_command;

const std::string kCli = SEALKIT_CLI;
const std::string kPrograms = SEALKIT_TEST_PROGRAMS;

// A clean environment for sealkit: no SEALKIT_* or LD_PRELOAD from outside.
std::vector<sealkit_test::environment_change> clean() {
    std::vector<sealkit_test::environment_change> env;
    for (const char *name : {"LD_PRELOAD", "SEALKIT_BACKEND", "SEALKIT_RELRO", "SEALKIT_ENFORCE", "SEALKIT_QUIET",
                             "SEALKIT_REPORT", "SEALKIT_REPORT_FORMAT", "SEALKIT_VDSO", "SEALKIT_ONLY_MARKED",
                             "SEALKIT_LOCKDOWN"})
        env.push_back({name, "", true});
    return env;
}

command_result sealkit_run(std::vector<std::string> args) {
    args.insert(args.begin(), {kCli, "run"});
    return run_command(args, clean());
}

bool kernel_has_mseal() { return syscall(462, nullptr, 0, 0) == 0; }

const char *const kRunAttacks[] = {"mprotect-own-text-rwx", "mprotect-libc-text-rw", "munmap-own-rodata",
                                   "map-fixed-over-own-rodata", "mremap-libc-text", "dontneed-own-got"};

// Each attack on each backend (`--backend=kernel`, skipped where the kernel
// has no mseal; `--backend=seccomp`, wherever seccomp filters work). The
// report on stderr names the backend that sealed.
class RunAttack : public ::testing::TestWithParam<std::tuple<std::string, const char *>> {
protected:
    void SetUp() override { SKIP_UNLESS_BACKEND_WORKS_HERE(std::get<0>(GetParam())); }
};

TEST_P(RunAttack, IsRefusedInAProgramStartedBySealkitRun) {
    const auto &[backend, attack] = GetParam();
    command_result r =
        sealkit_run({"--backend=" + backend, "--report", "--", kPrograms + "/startup_attack_target", attack});
    EXPECT_NE(r.err.find("(backend " + backend + ")\n"), std::string::npos) << r.err;
    EXPECT_EQ(r.exit_status, 0) << r.out << r.err;
    EXPECT_EQ(r.out, "refused\n") << r.err;
}

INSTANTIATE_TEST_SUITE_P(EveryAttack, RunAttack,
                         ::testing::Combine(sealkit_test::each_backend(), ::testing::ValuesIn(kRunAttacks)),
                         [](const ::testing::TestParamInfo<std::tuple<std::string, const char *>> &param) {
                             return std::get<0>(param.param) + "_" +
                                    sealkit_test::test_name_of(std::get<1>(param.param));
                         });

// The control, on any kernel: without sealkit every attack works.
class RunAttackControl : public ::testing::TestWithParam<const char *> {};

TEST_P(RunAttackControl, SucceedsInTheSameProgramStartedDirectly) {
    command_result r = run_command({kPrograms + "/startup_attack_target", GetParam()}, clean());
    EXPECT_EQ(r.exit_status, 1) << r.out << r.err;
}

INSTANTIATE_TEST_SUITE_P(EveryAttack, RunAttackControl, ::testing::ValuesIn(kRunAttacks),
                         [](const ::testing::TestParamInfo<const char *> &param) {
                             return sealkit_test::test_name_of(param.param);
                         });

TEST(RunCommand, PassesTheProgramsExitStatusAndArgumentsThrough) {
    command_result r = sealkit_run({"--", "/bin/sh", "-c", "echo \"$@\"; exit 7", "sh", "--enforce", "-x"});
    EXPECT_EQ(r.exit_status, 7) << r.err;
    EXPECT_EQ(r.out, "--enforce -x\n") << "words after PROGRAM belong to the program";
    command_result without_dashes = sealkit_run({"/bin/echo", "--quiet"});
    EXPECT_EQ(without_dashes.exit_status, 0) << without_dashes.err;
    EXPECT_EQ(without_dashes.out, "--quiet\n");
}

TEST(RunCommand, FindsTheProgramOnPath) {
    command_result r = sealkit_run({"--", "true"});
    EXPECT_EQ(r.exit_status, 0) << r.err;
}

TEST(RunCommand, AMissingProgramExits127AndNamesIt) {
    command_result r = sealkit_run({"--", "no-such-program-sealkit"});
    EXPECT_EQ(r.exit_status, 127);
    EXPECT_NE(r.err.find("no-such-program-sealkit"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(RunCommand, AProgramThatCannotBeExecutedExits126) {
    command_result r = sealkit_run({"--", "/etc/hostname"});
    EXPECT_EQ(r.exit_status, 126) << r.err;
    EXPECT_NE(r.err.find("/etc/hostname"), std::string::npos) << r.err;
}

TEST(RunCommand, UsageErrorsExit2) {
    for (std::vector<std::string> args : {std::vector<std::string>{"--bogus", "--", "/bin/true"},
                                          std::vector<std::string>{"--relro", "bogus", "--", "/bin/true"},
                                          std::vector<std::string>{}, std::vector<std::string>{"--enforce"}}) {
        command_result r = sealkit_run(args);
        EXPECT_EQ(r.exit_status, 2) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
}

TEST(RunCommand, WritesAJsonReportToAFileWithThePid) {
    if (!kernel_has_mseal()) GTEST_SKIP() << "this kernel has no mseal(2)";
    char directory[] = "/tmp/sealkit-run-XXXXXX";
    ASSERT_NE(mkdtemp(directory), nullptr);
    std::string pattern = std::string(directory) + "/report.%p.json";
    command_result r = sealkit_run({"--report=" + pattern, "--report-format", "json", "--", "/bin/sh", "-c",
                                    "echo $$"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    std::string pid = r.out.substr(0, r.out.find('\n'));
    std::ifstream in(std::string(directory) + "/report." + pid + ".json");
    ASSERT_TRUE(in.good()) << "no report for pid " << pid;
    std::stringstream text;
    text << in.rdbuf();
    nlohmann::json report = nlohmann::json::parse(text.str());
    EXPECT_EQ(report["images_failed"], 0);
    EXPECT_GE(report["images_sealed"].get<int>(), 3);
    // Time per object: every sealed one took some, skipped ones none, and
    // together no more than the pass.
    long long per_object = 0;
    for (const nlohmann::json &object : report["objects"]) {
        const long long spent = object["nanoseconds"].get<long long>();
        if (object["skipped"].is_null()) EXPECT_GT(spent, 0) << object.dump();
        else EXPECT_EQ(spent, 0) << object.dump();
        per_object += spent;
    }
    EXPECT_LE(per_object, report["nanoseconds"].get<long long>());
    std::string cleanup = std::string("rm -rf ") + directory;
    EXPECT_EQ(system(cleanup.c_str()), 0);
}

TEST(RunCommand, ReportWithoutAFileGoesToStderr) {
    if (!kernel_has_mseal()) GTEST_SKIP() << "this kernel has no mseal(2)";
    command_result r = sealkit_run({"--report", "--", "/bin/true"});
    EXPECT_EQ(r.exit_status, 0);
    EXPECT_NE(r.err.find("sealkit: sealed"), std::string::npos) << r.err;
}

TEST(RunCommand, EnforceStopsTheProgramWhenNothingCanSeal) {
    command_result r = sealkit_run({"--enforce", "--backend=none", "--", "/bin/echo", "main ran"});
    EXPECT_EQ(r.exit_status, 125) << r.err;
    EXPECT_EQ(r.out, "") << "main must not run";
    EXPECT_NE(r.err.find("no backend can enforce seals"), std::string::npos) << r.err;
}

TEST(RunCommand, AStaticProgramIsNamedAsUnsealableAndRefusedUnderEnforce) {
    const std::string static_program = "/sbin/ldconfig";  // static-pie on Debian
    struct stat st;
    if (stat(static_program.c_str(), &st) != 0) GTEST_SKIP() << static_program << " is not installed";
    command_result warned = sealkit_run({"--", static_program, "--version"});
    EXPECT_NE(warned.err.find("statically linked"), std::string::npos) << warned.err;
    command_result enforced = sealkit_run({"--enforce", "--", static_program, "--version"});
    EXPECT_EQ(enforced.exit_status, 125) << enforced.err;
    EXPECT_EQ(enforced.out, "");
}

// ld.so run as a program (`/lib64/ld-linux-x86-64.so.2 PROGRAM`) has no
// PT_INTERP, like a static binary, but it is the loader: it loads the
// preload, so it must not be refused as "statically linked", and both it and
// the program it runs get sealed.
TEST(RunCommand, TheDynamicLoaderRunAsAProgramIsSealedNotRefused) {
    const std::string loader = "/lib64/ld-linux-x86-64.so.2";
    struct stat st;
    if (stat(loader.c_str(), &st) != 0) GTEST_SKIP() << loader << " is not installed";
    command_result r = sealkit_run({"--enforce", "--report", "--", loader, "/bin/echo", "main ran"});
    EXPECT_EQ(r.exit_status, 0) << r.err;
    EXPECT_EQ(r.out, "main ran\n") << r.err;
    EXPECT_EQ(r.err.find("statically linked"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("  /bin/echo\n    0x"), std::string::npos) << "the program is sealed: " << r.err;
    EXPECT_NE(r.err.find("ld-linux-x86-64.so.2\n    0x"), std::string::npos) << "the loader is sealed: " << r.err;
}

// A program of another ELF class than sealkit's (a 32-bit i386 one here):
// its loader would refuse the 64-bit preload with a line of its own and run
// it unsealed. sealkit names it, and --enforce stops before running it. The
// file is only the headers such a program starts with (ELF32, EM_386, a
// PT_INTERP): sealkit decides from them, so no i386 toolchain is needed.
TEST(RunCommand, AProgramOfAnotherElfClassIsNamedAndRefusedUnderEnforce) {
    char directory[] = "/tmp/sealkit-run-class-XXXXXX";
    ASSERT_NE(mkdtemp(directory), nullptr);
    const std::string program = std::string(directory) + "/i386-program";
    const char interpreter[] = "/lib/ld-linux.so.2";
    Elf32_Ehdr header{};
    memcpy(header.e_ident, ELFMAG, SELFMAG);
    header.e_ident[EI_CLASS] = ELFCLASS32;
    header.e_ident[EI_DATA] = ELFDATA2LSB;
    header.e_ident[EI_VERSION] = EV_CURRENT;
    header.e_type = ET_DYN;
    header.e_machine = EM_386;
    header.e_version = EV_CURRENT;
    header.e_phoff = sizeof header;
    header.e_ehsize = sizeof header;
    header.e_phentsize = sizeof(Elf32_Phdr);
    header.e_phnum = 1;
    Elf32_Phdr interp{};
    interp.p_type = PT_INTERP;
    interp.p_offset = sizeof header + sizeof interp;
    interp.p_filesz = interp.p_memsz = sizeof interpreter;
    interp.p_flags = PF_R;
    interp.p_align = 1;
    {
        std::ofstream out(program, std::ios::binary);
        out.write(reinterpret_cast<const char *>(&header), sizeof header);
        out.write(reinterpret_cast<const char *>(&interp), sizeof interp);
        out.write(interpreter, sizeof interpreter);
    }
    ASSERT_EQ(chmod(program.c_str(), 0755), 0);

    command_result enforced = sealkit_run({"--enforce", "--", program});
    EXPECT_EQ(enforced.exit_status, 125) << enforced.err;
    EXPECT_EQ(enforced.err, "sealkit run: " + program +
                                " is a 32-bit i386 program: the preload, built for 64-bit x86-64, cannot be loaded "
                                "into it, so nothing will be sealed (link it with libsealkit and call "
                                "sealkit_seal_images()); stopping (--enforce).\n");
    command_result warned = sealkit_run({"--", program});
    EXPECT_NE(warned.err.find(program + " is a 32-bit i386 program"), std::string::npos) << warned.err;
    command_result quiet = sealkit_run({"--quiet", "--", program});
    EXPECT_EQ(quiet.err.find("32-bit"), std::string::npos) << quiet.err;
    unlink(program.c_str());
    rmdir(directory);
}

// A static program whose PT_NOTE points past the end of the file still runs
// (the kernel never reads that note), but sealkit audit refuses the file as
// truncated. run must still see that it has no PT_INTERP and stop it under
// --enforce, as it stops the intact program.
TEST(RunCommand, AStaticProgramWithAHeaderTheAuditRefusesIsStillRefusedUnderEnforce) {
    const std::string original = "/sbin/ldconfig";  // static-pie on Debian
    std::ifstream in(original, std::ios::binary);
    if (!in) GTEST_SKIP() << original << " is not installed";
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Elf64_Ehdr header;
    ASSERT_GE(bytes.size(), sizeof header);
    memcpy(&header, bytes.data(), sizeof header);
    bool corrupted = false;
    for (unsigned i = 0; i < header.e_phnum && !corrupted; ++i) {
        Elf64_Phdr phdr;
        const size_t at = header.e_phoff + i * sizeof phdr;
        ASSERT_LE(at + sizeof phdr, bytes.size());
        memcpy(&phdr, bytes.data() + at, sizeof phdr);
        if (phdr.p_type != PT_NOTE) continue;
        phdr.p_offset = bytes.size() + 65536;  // past the end of the file
        memcpy(bytes.data() + at, &phdr, sizeof phdr);
        corrupted = true;
    }
    if (!corrupted) GTEST_SKIP() << original << " has no PT_NOTE to corrupt";
    char directory[] = "/tmp/sealkit-run-badnote-XXXXXX";
    ASSERT_NE(mkdtemp(directory), nullptr);
    const std::string program = std::string(directory) + "/ldconfig-bad-note";
    {
        std::ofstream out(program, std::ios::binary);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    ASSERT_EQ(chmod(program.c_str(), 0755), 0);
    command_result alone = run_command({program, "--version"});
    command_result audit = run_command({kCli, "audit", program});
    command_result enforced = sealkit_run({"--enforce", "--", program, "--version"});
    unlink(program.c_str());
    rmdir(directory);
    if (alone.exit_status != 0) GTEST_SKIP() << "the corrupted copy does not run on this kernel: " << alone.err;
    EXPECT_NE(audit.err.find("truncated ELF file"), std::string::npos) << "the audit must refuse it: " << audit.err;
    EXPECT_EQ(enforced.exit_status, 125) << enforced.err;
    EXPECT_EQ(enforced.out, "");
    EXPECT_NE(enforced.err.find("is statically linked"), std::string::npos) << enforced.err;
}

TEST(RunCommand, LockdownDeniesWriteExecuteToTheProgram) {
    if (!kernel_has_mseal()) GTEST_SKIP() << "this kernel has no mseal(2)";
    const std::string jit = "import mmap\nmmap.mmap(-1, 4096, prot=7)\nprint('rwx mapped')\n";
    command_result plain = sealkit_run({"--", "/usr/bin/python3", "-c", jit});
    EXPECT_EQ(plain.exit_status, 0) << plain.err;
    command_result locked = sealkit_run({"--lockdown", "--", "/usr/bin/python3", "-c", jit});
    EXPECT_NE(locked.exit_status, 0);
    EXPECT_NE(locked.err.find("PermissionError"), std::string::npos) << "a JIT-like program fails loudly: " << locked.err;
}

// Real programs produce the same output and exit status with and without
// `sealkit run`, in each --dlopen mode (nodelete, pin, off).
struct real_program {
    const char *name;
    std::vector<std::string> argv;
};

class RealProgram : public ::testing::TestWithParam<std::tuple<real_program, std::string>> {};

TEST_P(RealProgram, BehavesTheSameUnderSealkitRun) {
    if (!kernel_has_mseal()) GTEST_SKIP() << "this kernel has no mseal(2)";
    const real_program &p = std::get<0>(GetParam());
    const std::string &mode = std::get<1>(GetParam());
    struct stat st;
    if (stat(p.argv[0].c_str(), &st) != 0) GTEST_SKIP() << p.argv[0] << " is not installed";
    char directory[] = "/tmp/sealkit-real-XXXXXX";
    ASSERT_NE(mkdtemp(directory), nullptr);
    auto in_directory = [&](std::vector<std::string> argv) {
        std::vector<std::string> shell{"/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory};
        shell.insert(shell.end(), argv.begin(), argv.end());
        return shell;
    };
    command_result plain = run_command(in_directory(p.argv), clean());
    std::string reset = std::string("rm -rf ") + directory + "/* " + directory + "/.git";
    ASSERT_EQ(system(reset.c_str()), 0);
    std::vector<std::string> sealed_argv{kCli, "run", "--enforce", "--dlopen=" + mode, "--"};
    for (auto &word : in_directory(p.argv)) sealed_argv.push_back(word);
    command_result sealed = run_command(sealed_argv, clean());
    EXPECT_EQ(sealed.exit_status, plain.exit_status) << sealed.err;
    EXPECT_EQ(sealed.out, plain.out);
    std::string cleanup = std::string("rm -rf ") + directory;
    EXPECT_EQ(system(cleanup.c_str()), 0);
}

const std::string kSelfStatus = std::string(SEALKIT_CLI) + " status --json";

INSTANTIATE_TEST_SUITE_P(
    Programs, RealProgram,
    ::testing::Combine(::testing::Values(
        real_program{"python", {"/usr/bin/python3", "-c",
                                "import ssl, sqlite3, ctypes, decimal, json\n"
                                "lib = ctypes.CDLL('libz.so.1'); v = lib.zlibVersion; import _ctypes\n"
                                "_ctypes.dlclose(lib._handle)\n"
                                "print(decimal.Decimal(1) / 7, json.dumps({'tls': ssl.OPENSSL_VERSION_NUMBER > 0}))\n"
                                "print(sqlite3.connect(':memory:').execute('select 6*7').fetchone())"}},
        real_program{"perl", {"/usr/bin/perl", "-MPOSIX", "-e", "print POSIX::floor(7.9), qq(\\n)"}},
        real_program{"git", {"/bin/sh", "-c",
                             "git init -q . && echo x > f && git add f && "
                             "git -c user.name=a -c user.email=a@b commit -qm one && git log --format=%s"}},
        real_program{"sqlite3", {"/usr/bin/sqlite3", ":memory:", "select 6*7;"}},
        real_program{"gcc", {"/bin/sh", "-c",
                             "printf 'int main(void){return 3;}' > t.c && gcc t.c -o t && ./t; echo $?"}},
        real_program{"node", {"/usr/bin/node", "-e", "console.log([1,2,3].map(x => x * 2).join(','))"}},
        real_program{"java", {"/usr/bin/java", "-version"}},
        real_program{"bash_coreutils", {"/bin/bash", "-c",
                                        "seq 1 50 | sort -rn | head -3 | tr '\\n' ' '; ls / | wc -l >/dev/null; "
                                        "date -d @0 -u +%Y; echo done"}}),
                       ::testing::Values(std::string("nodelete"), std::string("pin"), std::string("off"))),
    [](const ::testing::TestParamInfo<std::tuple<real_program, std::string>> &param) {
        return std::string(std::get<0>(param.param).name) + "_" + std::get<1>(param.param);
    });

// A sealed program's ELF images (executable and libraries) are all sealed,
// and at least 95% of its file-backed bytes, as `sealkit status` sees it
// from outside. File-backed bytes also count data files the program maps
// itself: glibc's locale files (LC_*) and gconv cache are not images and are
// not sealed, so the percentage is taken in the C locale, where glibc maps
// none; with C.UTF-8 perl shows 94.2% (docs/startup-sealing.md). Each
// program runs `sealkit status --json` on its own pid through its own way
// of starting a command; java loads libjvm with dlopen, which only `pin`
// seals (nodelete leaves unloadable objects unsealed, as glibc's design
// does: docs/startup-sealing.md), so it is checked under pin.
// A Java program (run by the source launcher) that prints
// `sealkit status --json` of its own process.
void write_status_launcher(const std::string &path) {
    const std::string directory = path.substr(0, path.rfind('/'));
    mkdir(directory.c_str(), 0755);
    std::ofstream out(path);
    out << "public class SelfStatus {\n"
           "    public static void main(String[] args) throws Exception {\n"
           "        Process status = new ProcessBuilder(\"" << kCli << "\", \"status\", \"--json\",\n"
           "            String.valueOf(ProcessHandle.current().pid())).redirectError(ProcessBuilder.Redirect.INHERIT).start();\n"
           "        status.getInputStream().transferTo(System.out);\n"
           "        System.exit(status.waitFor());\n"
           "    }\n"
           "}\n";
}

// java also maps data files that are no ELF image (the 123 MiB jimage
// `lib/modules`, hsperfdata): most of its file-backed bytes, never sealed
// by start-up sealing, so for it the 95% is taken over its images only.
// Every program's images must have their text, rodata, RELRO and data
// sealed; node maps a piece of its own text again after start-up (status
// counts it as the executable's "other" part), which is not part of the
// image as loaded.
struct covered_program {
    real_program program;
    const char *dlopen_mode;
    bool maps_data_files = false;
};

class RealProgramCoverage : public ::testing::TestWithParam<covered_program> {};

TEST_P(RealProgramCoverage, HasEveryImageAndAtLeast95PercentOfFileBackedBytesSealed) {
    if (!kernel_has_mseal()) GTEST_SKIP() << "this kernel has no mseal(2)";
    const real_program &p = GetParam().program;
    struct stat st;
    if (stat(p.argv[0].c_str(), &st) != 0) GTEST_SKIP() << p.argv[0] << " is not installed";
    if (p.argv.size() > 1 && p.argv[1].size() > 5 && p.argv[1].compare(p.argv[1].size() - 5, 5, ".java") == 0)
        write_status_launcher(p.argv[1]);
    std::vector<std::string> argv{kCli, "run", std::string("--dlopen=") + GetParam().dlopen_mode, "--"};
    argv.insert(argv.end(), p.argv.begin(), p.argv.end());
    std::vector<sealkit_test::environment_change> env = clean();
    env.push_back({"LC_ALL", "C"});
    command_result r = run_command(argv, env);
    ASSERT_EQ(r.exit_status, 0) << r.err;
    nlohmann::json status = nlohmann::json::parse(r.out);
    const nlohmann::json &process = status["processes"][0];
    if (!GetParam().maps_data_files) {
        EXPECT_GE(process["sealed_file_backed_percent"].get<double>(), 95.0) << process.dump(2);
    }
    int images = 0;
    uint64_t image_bytes = 0, image_sealed = 0;
    for (const nlohmann::json &object : process["objects"]) {
        if (object["kind"] != "executable" && object["kind"] != "library") continue;
        ++images;
        for (const char *part : {"text", "rodata", "relro", "data"}) {
            const nlohmann::json &facts = object["parts"][part];
            image_bytes += facts["bytes"].get<uint64_t>();
            image_sealed += facts["sealed_bytes"].get<uint64_t>();
            EXPECT_EQ(facts["sealed_bytes"], facts["bytes"]) << part << " of " << object.dump(2);
        }
    }
    EXPECT_GE(images, 3) << "the executable, libc and ld.so at least";
    EXPECT_GE(100.0 * static_cast<double>(image_sealed), 95.0 * static_cast<double>(image_bytes));
}

INSTANTIATE_TEST_SUITE_P(
    Programs, RealProgramCoverage,
    ::testing::Values(
        covered_program{{"python", {"/usr/bin/python3", "-c",
                                    "import os, subprocess, sys\n"
                                    "sys.stdout.write(subprocess.run('" + kSelfStatus +
                                        " %d' % os.getpid(), shell=True, capture_output=True, text=True).stdout)"}},
                        "nodelete"},
        covered_program{{"perl", {"/usr/bin/perl", "-e", "system('" + kSelfStatus + " ' . $$) == 0 or exit 1"}},
                        "nodelete"},
        // `; true`: bash would exec a lone last command in its own place, and
        // $$ would then be the sealkit CLI rather than bash.
        covered_program{{"bash", {"/bin/bash", "-c", kSelfStatus + " $$; true"}}, "nodelete"},
        // git runs a `!` alias with sh, whose parent is git.
        covered_program{{"git", {"/usr/bin/git", "-c", "alias.self=!" + kSelfStatus + " $PPID", "self"}}, "nodelete"},
        // sqlite3's .shell runs the command with system(): sh's parent is sqlite3.
        covered_program{{"sqlite3", {"/usr/bin/sqlite3", ":memory:", ".shell " + kSelfStatus + " $PPID"}}, "nodelete"},
        // gcc's -wrapper runs each of its programs through sh: at cc1, sh's
        // parent is the gcc driver.
        covered_program{{"gcc", {"/usr/bin/gcc", "-wrapper",
                                 "/bin/sh,-c,case \"$0\" in */cc1) " + kSelfStatus + " $PPID;; esac; exec \"$0\" \"$@\"",
                                 "-x", "c", "-c", "-o", "/dev/null", "/dev/null"}},
                        "nodelete"},
        covered_program{{"node", {"/usr/bin/node", "-e",
                                  "process.stdout.write(require('child_process').execSync('" + kSelfStatus +
                                      " ' + process.pid))"}},
                        "nodelete"},
        covered_program{{"java", {"/usr/bin/java", "/tmp/sealkit_status_launcher/SelfStatus.java"}}, "pin", true}),
    [](const ::testing::TestParamInfo<covered_program> &param) { return std::string(param.param.program.name); });

// The bytes of an ELF file's first PT_GNU_RELRO, its pages rounded down at
// both ends as the loader protects them and `sealkit status` counts them;
// read here with <elf.h>, independently of sealkit's ELF reader. 0 without.
uint64_t relro_bytes_of(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    Elf64_Ehdr header{};
    if (!in.read(reinterpret_cast<char *>(&header), sizeof header)) return 0;
    for (unsigned i = 0; i < header.e_phnum; ++i) {
        Elf64_Phdr ph{};
        in.seekg(static_cast<std::streamoff>(header.e_phoff + i * sizeof ph));
        if (!in.read(reinterpret_cast<char *>(&ph), sizeof ph)) return 0;
        if (ph.p_type != PT_GNU_RELRO) continue;
        const uint64_t page = 4096;
        return ((ph.p_vaddr + ph.p_memsz) & ~(page - 1)) - (ph.p_vaddr & ~(page - 1));
    }
    return 0;
}

// After `sealkit run`, each image's RELRO lives in anonymous memory (moved
// there so MADV_DONTNEED cannot revert it), and `sealkit status` must still
// count it as that object's RELRO part, sealed, not as anonymous memory:
// RealProgramCoverage alone would pass with the RELRO in the anonymous row.
// The shell runs `sealkit status --json` on itself. Under the seccomp
// backend the kernel shows no seals in smaps, so status can only attribute
// the bytes there (docs/cli.md: "sl" in VmFlags is what it reads), and it
// needs a kernel with mseal to report at all.
class RunStatusRelro : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        SKIP_UNLESS_BACKEND_WORKS_HERE(GetParam());
        if (!kernel_has_mseal())
            GTEST_SKIP() << "sealkit status reads seals from smaps, which needs a kernel with mseal(2)";
    }
};

TEST_P(RunStatusRelro, MovedRelroIsTheObjectsRelroPartAndSealed) {
    const std::string &backend = GetParam();
    command_result r = run_command({kCli, "run", "--backend=" + backend, "--report", "--report-format=json", "--",
                                    "/bin/sh", "-c", "\"$0\" status --json $$; exit $?", kCli},
                                   clean());
    ASSERT_EQ(r.exit_status, 0) << r.err;
    nlohmann::json status = nlohmann::json::parse(r.out);
    const nlohmann::json &process = status["processes"][0];

    // The shell's own report (its line on stderr comes first; it names the
    // program as started): its RELRO was moved.
    nlohmann::json report = nlohmann::json::parse(r.err.substr(0, r.err.find('\n')));
    bool moved = false;
    for (const nlohmann::json &object : report["objects"])
        if (object["name"] == "/bin/sh") moved = object["relro_moved"].get<bool>();
    ASSERT_TRUE(moved) << "the shell's RELRO must have been moved, or this test shows nothing: " << report.dump(2);

    int images_with_relro = 0;
    for (const nlohmann::json &object : process["objects"]) {
        if (object["kind"] != "executable" && object["kind"] != "library") continue;
        const uint64_t expected = relro_bytes_of(object["name"]);
        if (expected == 0) continue;
        ++images_with_relro;
        const nlohmann::json &relro = object["parts"]["relro"];
        EXPECT_EQ(relro["bytes"], expected) << object.dump(2);
        if (backend == "kernel") {
            EXPECT_EQ(relro["state"], "sealed") << object.dump(2);
            EXPECT_EQ(relro["sealed_bytes"], expected) << object.dump(2);
        }
    }
    EXPECT_GE(images_with_relro, 3) << "the shell, libc and ld.so at least: " << process.dump(2);
}

INSTANTIATE_TEST_SUITE_P(On, RunStatusRelro, sealkit_test::each_backend(), sealkit_test::backend_case_name);

}  // namespace
