// `sealkit audit` as a user runs it: the detailed report, the table, JSON,
// recursion with quiet skips and a summary, the progress line on a
// terminal only, and each kind of bad file (not ELF, truncated, malformed,
// unreadable, a directory without -r): one sentence naming it on stderr,
// the scan goes on, and exit status 7 (docs/cli.md).
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pty.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/command_runner.h"

namespace {

using sealkit_test::command_result;
using sealkit_test::lines_of;
using sealkit_test::run_command;
namespace fs = std::filesystem;

const std::string kFixtures = SEALKIT_AUDIT_FIXTURES;
constexpr int kAuditFailed = 7;

// A fresh directory under /tmp, removed with everything in it.
class temporary_directory {
public:
    temporary_directory() {
        char name[] = "/tmp/sealkit-audit-test-XXXXXX";
        path_ = mkdtemp(name) ? name : "";
    }
    ~temporary_directory() {
        std::error_code ignored;
        fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ignored);
        fs::remove_all(path_, ignored);
    }
    const std::string &path() const { return path_; }
    std::string file(const std::string &name, const std::string &contents) const {
        std::string full = path_ + "/" + name;
        std::ofstream(full, std::ios::binary) << contents;
        return full;
    }

private:
    std::string path_;
};

std::string read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void expect_one_sentence(const command_result &run, const std::vector<std::string> &fragments) {
    std::vector<std::string> lines = lines_of(run.err);
    ASSERT_EQ(lines.size(), 1u) << "stderr was:\n" << run.err;
    EXPECT_TRUE(lines[0].starts_with("sealkit audit: ")) << lines[0];
    EXPECT_TRUE(lines[0].ends_with(".")) << lines[0];
    for (const std::string &fragment : fragments)
        EXPECT_NE(lines[0].find(fragment), std::string::npos) << "'" << fragment << "' not in: " << lines[0];
}

nlohmann::json audit_json(const std::vector<std::string> &arguments, int expected_status = 0) {
    std::vector<std::string> argv = {SEALKIT_CLI, "audit", "--json"};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    command_result run = run_command(argv);
    EXPECT_EQ(run.exit_status, expected_status) << run.err;
    return nlohmann::json::parse(run.out);
}

TEST(AuditCommand, OneFileGetsADetailedReport) {
    command_result run = run_command({SEALKIT_CLI, "audit", kFixtures + "/audit_lazy"});
    EXPECT_EQ(run.exit_status, 0) << run.err;
    EXPECT_EQ(run.err, "");
    EXPECT_NE(run.out.find("RELRO      partial"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("BIND_NOW   no"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("verdict    sealable with caveats"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("caveat: RELRO is partial"), std::string::npos) << run.out;
}

TEST(AuditCommand, JsonReportsEachFixtureAsBuilt) {
    std::vector<std::string> names = {"audit_now", "audit_lazy", "audit_norelro", "audit_execstack",
                                      "audit_static", "audit_marked", "audit_writable_code"};
    std::vector<std::string> paths;
    for (const std::string &name : names) paths.push_back(kFixtures + "/" + name);
    nlohmann::json document = audit_json(paths);
    EXPECT_EQ(document["format_version"], 1);
    ASSERT_EQ(document["files"].size(), names.size());
    EXPECT_TRUE(document["errors"].empty());
    const nlohmann::json &files = document["files"];
    EXPECT_EQ(files[0]["path"], paths[0]);
    EXPECT_EQ(files[0]["relro"], "full");
    EXPECT_EQ(files[0]["bind_now"], true);
    EXPECT_EQ(files[0]["verdict"], "sealable");
    EXPECT_EQ(files[1]["relro"], "partial");
    EXPECT_EQ(files[1]["verdict"], "caveats");
    EXPECT_EQ(files[2]["relro"], "none");
    EXPECT_EQ(files[3]["executable_stack"], true);
    EXPECT_EQ(files[3]["stack"], "executable");
    EXPECT_EQ(files[4]["static"], true);
    EXPECT_EQ(files[4]["type"], "executable");
    EXPECT_EQ(files[5]["memory_seal_property"], true);
    EXPECT_EQ(files[0]["memory_seal_property"], false);
    EXPECT_EQ(files[6]["verdict"], "not-sealable");
    EXPECT_EQ(files[6]["writable_executable_segments"].size(), 1u);
    EXPECT_EQ(document["summary"]["audited"], names.size());
    EXPECT_EQ(document["summary"]["failed"], 0);
    for (const nlohmann::json &file : files)
        for (const nlohmann::json &reason : file["reasons"]) {
            EXPECT_FALSE(reason["code"].get<std::string>().empty());
            EXPECT_TRUE(reason["severity"] == "blocker" || reason["severity"] == "caveat" || reason["severity"] == "note");
        }
}

TEST(AuditCommand, TextRelocationsMakeALibraryNotSealable) {
#if defined(__x86_64__)
    nlohmann::json document = audit_json({kFixtures + "/libaudit_textrel.so"});
    EXPECT_EQ(document["files"][0]["textrel"], true);
    EXPECT_EQ(document["files"][0]["verdict"], "not-sealable");
#else
    GTEST_SKIP() << "the text-relocation fixture is x86-64 assembly";
#endif
}

TEST(AuditCommand, RealSystemFiles) {
    nlohmann::json document = audit_json({"/bin/true", "/bin/sh"});
    ASSERT_EQ(document["files"].size(), 2u);
    for (const nlohmann::json &file : document["files"]) {
        EXPECT_EQ(file["class"], sizeof(void *) * 8);
        EXPECT_EQ(file["interpreter"], true);
        EXPECT_NE(file["verdict"], "not-loadable");
    }
}

TEST(AuditCommand, NotElfIsOneLineAndExitSeven) {
    temporary_directory directory;
    std::string text = directory.file("notes.txt", "just text\n");
    command_result run = run_command({SEALKIT_CLI, "audit", text});
    EXPECT_EQ(run.exit_status, kAuditFailed);
    expect_one_sentence(run, {text, "not an ELF file"});
}

TEST(AuditCommand, TruncatedAndMalformedFilesAreOneLineEach) {
    temporary_directory directory;
    std::string whole = read_file(kFixtures + "/audit_now");
    std::string cut = directory.file("cut", whole.substr(0, whole.size() / 2));
    command_result truncated = run_command({SEALKIT_CLI, "audit", cut});
    EXPECT_EQ(truncated.exit_status, kAuditFailed);
    expect_one_sentence(truncated, {cut, "truncated"});

    std::string broken = whole;
    broken[0x36] = 12;  // e_phentsize of an ELF64 header
    broken[0x37] = 0;
    std::string bad = directory.file("bad", broken);
    command_result malformed = run_command({SEALKIT_CLI, "audit", bad});
    EXPECT_EQ(malformed.exit_status, kAuditFailed);
    expect_one_sentence(malformed, {bad, "malformed"});
}

// Runs the CLI as "nobody" (root reads mode-000 files anyway); stderr and
// the exit status are what the test needs.
command_result run_as_nobody(const std::vector<std::string> &argv) {
    int err_pipe[2];
    command_result result;
    if (pipe(err_pipe) != 0) return result;
    pid_t child = fork();
    if (child == 0) {
        dup2(err_pipe[1], STDERR_FILENO);
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, STDOUT_FILENO);
        if (setgroups(0, nullptr) != 0 || setgid(65534) != 0 || setuid(65534) != 0) _exit(126);
        std::vector<char *> args;
        for (const std::string &arg : argv) args.push_back(const_cast<char *>(arg.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    close(err_pipe[1]);
    char chunk[4096];
    for (ssize_t got; (got = read(err_pipe[0], chunk, sizeof chunk)) > 0;) result.err.append(chunk, static_cast<size_t>(got));
    close(err_pipe[0]);
    int status = 0;
    waitpid(child, &status, 0);
    result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

TEST(AuditCommand, UnreadableFileIsOneLine) {
    temporary_directory directory;
    std::string secret = directory.file("secret", read_file(kFixtures + "/audit_now"));
    ASSERT_EQ(chmod(directory.path().c_str(), 0755), 0);
    ASSERT_EQ(chmod(secret.c_str(), 0), 0);
    command_result run;
    if (geteuid() == 0) {
        run = run_as_nobody({SEALKIT_CLI, "audit", secret});
        if (run.exit_status == 126) GTEST_SKIP() << "cannot switch to the user nobody";
    } else {
        run = run_command({SEALKIT_CLI, "audit", secret});
    }
    EXPECT_EQ(run.exit_status, kAuditFailed) << run.err;
    expect_one_sentence(run, {secret, "Permission denied"});
}

TEST(AuditCommand, UnreadableDirectoryWhileRecursingIsOneLine) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to lock a directory away from the user nobody";
    temporary_directory directory;
    ASSERT_EQ(chmod(directory.path().c_str(), 0755), 0);
    fs::copy_file(kFixtures + "/audit_now", directory.path() + "/now");
    fs::create_directory(directory.path() + "/locked");
    ASSERT_EQ(chmod((directory.path() + "/locked").c_str(), 0700), 0);
    command_result run = run_as_nobody({SEALKIT_CLI, "audit", "-r", "--json", directory.path()});
    if (run.exit_status == 126) GTEST_SKIP() << "cannot switch to the user nobody";
    EXPECT_EQ(run.exit_status, kAuditFailed);
    expect_one_sentence(run, {directory.path() + "/locked", "cannot read the directory", "Permission denied"});
}

TEST(AuditCommand, TheScanGoesOnAfterABadFile) {
    temporary_directory directory;
    std::string text = directory.file("text", "hello");
    command_result run = run_command({SEALKIT_CLI, "audit", kFixtures + "/audit_now", text, "/nonexistent-file",
                                      kFixtures + "/audit_lazy"});
    EXPECT_EQ(run.exit_status, kAuditFailed);
    EXPECT_EQ(lines_of(run.err).size(), 2u) << run.err;
    EXPECT_NE(run.out.find(kFixtures + "/audit_now\n"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find(kFixtures + "/audit_lazy\n"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("2 ELF files audited"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("2 failed."), std::string::npos) << run.out;
}

// A hostile file name cannot drive the terminal: control characters are
// printed as \xNN; JSON carries the name (invalid UTF-8 replaced).
TEST(AuditCommand, ControlCharactersInNamesAreEscaped) {
    temporary_directory directory;
    std::string name = directory.file("evil\033[2J\xff", "text");
    command_result run = run_command({SEALKIT_CLI, "audit", name});
    EXPECT_EQ(run.exit_status, kAuditFailed);
    expect_one_sentence(run, {directory.path() + "/evil\\x1b[2J", "not an ELF file"});
    EXPECT_EQ(run.err.find('\033'), std::string::npos) << run.err;

    command_result json = run_command({SEALKIT_CLI, "audit", "--json", name});
    EXPECT_EQ(json.exit_status, kAuditFailed);
    nlohmann::json document = nlohmann::json::parse(json.out);
    EXPECT_EQ(document["errors"][0]["error"], "not-elf");
    EXPECT_EQ(document["errors"][0]["path"], directory.path() + "/evil\033[2J\xef\xbf\xbd");
}

TEST(AuditCommand, DirectoryNeedsRecursion) {
    temporary_directory directory;
    command_result run = run_command({SEALKIT_CLI, "audit", directory.path()});
    EXPECT_EQ(run.exit_status, kAuditFailed);
    expect_one_sentence(run, {directory.path(), "-r"});
}

TEST(AuditCommand, RecursionSkipsNonElfAndLinksQuietlyAndSummarises) {
    temporary_directory directory;
    fs::create_directories(directory.path() + "/lib/deeper");
    fs::copy_file(kFixtures + "/audit_now", directory.path() + "/now");
    fs::copy_file(kFixtures + "/audit_shared", directory.path() + "/lib/deeper/shared.so");
    directory.file("README", "not ELF at all\n");
    directory.file("lib/empty", "");
    fs::create_symlink(directory.path() + "/now", directory.path() + "/lib/link-to-now");
    fs::create_directory_symlink(directory.path(), directory.path() + "/lib/loop");

    command_result run = run_command({SEALKIT_CLI, "audit", "-r", directory.path()});
    EXPECT_EQ(run.exit_status, 0) << run.err;
    EXPECT_EQ(run.err, "");  // not a terminal: no progress line; skips are quiet
    std::vector<std::string> lines = lines_of(run.out);
    ASSERT_EQ(lines.size(), 4u) << run.out;  // header, two rows, summary
    EXPECT_TRUE(lines[0].starts_with("VERDICT")) << lines[0];
    EXPECT_TRUE(lines[1].ends_with(directory.path() + "/lib/deeper/shared.so")) << lines[1];
    EXPECT_TRUE(lines[2].ends_with(directory.path() + "/now")) << lines[2];
    EXPECT_EQ(lines[3], "2 ELF files audited: 2 fully sealable, 0 with caveats, 0 not sealable, 0 not loadable; "
                        "skipped: 2 not ELF, 2 symbolic links; 0 failed.");

    nlohmann::json document = audit_json({"-r", directory.path()});
    EXPECT_EQ(document["summary"]["audited"], 2);
    EXPECT_EQ(document["summary"]["skipped_not_elf"], 2);
    EXPECT_EQ(document["summary"]["skipped_links"], 2);
    EXPECT_EQ(document["summary"]["directories"], 3);
}

TEST(AuditCommand, RecursionReportsBrokenElfFiles) {
    temporary_directory directory;
    std::string whole = read_file(kFixtures + "/audit_now");
    directory.file("good", whole);
    std::string cut = directory.file("cut", whole.substr(0, 200));
    directory.file("text", "plain text");
    nlohmann::json document = audit_json({"-r", directory.path()}, kAuditFailed);
    EXPECT_EQ(document["summary"]["audited"], 1);
    EXPECT_EQ(document["summary"]["failed"], 1);
    EXPECT_EQ(document["summary"]["skipped_not_elf"], 1);
    ASSERT_EQ(document["errors"].size(), 1u);
    EXPECT_EQ(document["errors"][0]["path"], cut);
    EXPECT_EQ(document["errors"][0]["error"], "truncated");
}

// stderr on a pseudo-terminal: the progress line appears (and is cleared);
// stdout stays a pipe, so the table is unchanged.
TEST(AuditCommand, ProgressLineOnlyOnATerminal) {
    int master = -1, slave = -1;
    ASSERT_EQ(openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
    int out_pipe[2];
    ASSERT_EQ(pipe(out_pipe), 0);
    pid_t child = fork();
    if (child == 0) {
        dup2(out_pipe[1], STDOUT_FILENO);
        dup2(slave, STDERR_FILENO);
        execl(SEALKIT_CLI, SEALKIT_CLI, "audit", "-r", SEALKIT_AUDIT_FIXTURES, static_cast<char *>(nullptr));
        _exit(127);
    }
    close(slave);
    close(out_pipe[1]);
    std::string terminal, out;
    char chunk[4096];
    for (;;) {
        pollfd fds[2] = {{master, POLLIN, 0}, {out_pipe[0], POLLIN, 0}};
        if (poll(fds, 2, 10000) <= 0) break;
        bool done = false;
        if (fds[0].revents) {
            ssize_t got = read(master, chunk, sizeof chunk);
            if (got > 0) terminal.append(chunk, static_cast<size_t>(got));
        }
        if (fds[1].revents) {
            ssize_t got = read(out_pipe[0], chunk, sizeof chunk);
            if (got > 0) out.append(chunk, static_cast<size_t>(got));
            else done = true;
        }
        if (done) break;
    }
    int status = 0;
    waitpid(child, &status, 0);
    while (true) {  // what the terminal still holds
        pollfd fd = {master, POLLIN, 0};
        if (poll(&fd, 1, 100) <= 0) break;
        ssize_t got = read(master, chunk, sizeof chunk);
        if (got <= 0) break;
        terminal.append(chunk, static_cast<size_t>(got));
    }
    close(master);
    close(out_pipe[0]);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << terminal;
    EXPECT_NE(terminal.find("audit: 1 files, "), std::string::npos) << terminal;
    EXPECT_TRUE(terminal.ends_with("\r\033[K")) << terminal;  // cleared at the end
    EXPECT_NE(out.find("ELF files audited"), std::string::npos) << out;
    EXPECT_EQ(out.find('\033'), std::string::npos) << out;
}

TEST(AuditCommand, HelpListsTheExitStatuses) {
    command_result run = run_command({SEALKIT_CLI, "audit", "--help"});
    EXPECT_EQ(run.exit_status, 0);
    EXPECT_NE(run.out.find("--recursive"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("7  audit: a file could not be audited"), std::string::npos) << run.out;
}

// The man page and docs/cli.md name exit status 7, every error and reason
// code the JSON can carry, and the schema's summary fields.
TEST(AuditCommand, DocumentationCoversErrorsAndReasons) {
    for (const char *doc : {"/docs/sealkit.1", "/docs/cli.md"}) {
        std::string text = read_file(std::string(SEALKIT_SOURCE_DIR) + doc);
        ASSERT_FALSE(text.empty()) << doc;
        for (size_t at; (at = text.find("\\-")) != std::string::npos;) text.erase(at, 1);  // roff's "\-"
        for (const char *needle : {"sealkit audit", "unreadable", "not-elf", "truncated", "malformed", "not-regular",
                                   "is-directory", "skipped_not_elf", "memory_seal_property", "mutable_ranges",
                                   "not-sealable", "not-loadable", "a file could not be audited"})
            EXPECT_NE(text.find(needle), std::string::npos) << needle << " missing from " << doc;
    }
    std::string cli = read_file(std::string(SEALKIT_SOURCE_DIR) + "/docs/cli.md");
    for (const char *code : {"text-relocations", "writable-executable", "no-relro", "partial-relro",
                             "executable-stack", "static", "mutable-ranges", "no-memory-seal-mark", "malformed-notes",
                             "| 7 |"})
        EXPECT_NE(cli.find(code), std::string::npos) << code << " missing from docs/cli.md";
}

TEST(AuditCommand, NoPathIsAUsageError) {
    command_result run = run_command({SEALKIT_CLI, "audit"});
    EXPECT_EQ(run.exit_status, 2);
    EXPECT_EQ(lines_of(run.err).size(), 1u) << run.err;
}

}  // namespace
