// `sealkit run --report[=FILE]` with objects sealed after start-up: each
// late pass of the dlopen policy (src/preload/late_report.h) is added to
// the start-up report, text appended, a JSON file rewritten as one
// document, JSON on stderr as one document per line
// (src/startup/report_file.h). Each case runs tests/dlopen/dlopen_target;
// under --dlopen=off the same run reports no late object, so each can fail.
#include <dirent.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <fstream>
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

// A fresh directory for report files, removed with what is in it.
class scratch_directory {
public:
    scratch_directory() {
        char name[] = "/tmp/sealkit-late-report-XXXXXX";
        if (mkdtemp(name) != nullptr) path_ = name;
    }
    ~scratch_directory() {
        if (!path_.empty()) (void)system(("rm -rf '" + path_ + "'").c_str());
    }
    const std::string &path() const { return path_; }
    std::vector<std::string> entries() const {
        std::vector<std::string> names;
        if (DIR *dir = opendir(path_.c_str())) {
            while (dirent *entry = readdir(dir))
                if (std::string(entry->d_name) != "." && std::string(entry->d_name) != "..")
                    names.push_back(entry->d_name);
            closedir(dir);
        }
        return names;
    }

private:
    std::string path_;
};

std::string read_file(const std::string &path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// dlopen_target ARGS under `sealkit run --dlopen=MODE OPTIONS`.
command_result run_target(const std::string &mode, const std::vector<std::string> &options,
                          const std::vector<std::string> &args) {
    std::vector<std::string> argv{kCli, "run", "--dlopen=" + mode};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.push_back("--");
    argv.push_back(kTarget);
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, clean());
}

// The objects of a JSON report named path (any directory).
std::vector<nlohmann::json> objects_named(const nlohmann::json &report, const std::string &path) {
    std::vector<nlohmann::json> found;
    for (const nlohmann::json &object : report["objects"])
        if (object["name"] == path) found.push_back(object);
    return found;
}

TEST(RunLateReport, TextReportNamesTheLibraryInALatePassAfterTheStartupObjects) {
    scratch_directory dir;
    ASSERT_FALSE(dir.path().empty());
    const std::string file = dir.path() + "/report.txt";
    command_result r = run_target("pin", {"--report=" + file}, {"open", kPlain});
    ASSERT_EQ(r.exit_status, 0) << r.out << r.err;
    ASSERT_EQ(r.err, "");
    const std::string text = read_file(file);
    const size_t startup = text.find("sealkit: sealed ");
    const size_t late = text.find("sealkit: late pass 1, dlopen of " + kPlain + ": sealed 1 of 1 objects");
    ASSERT_EQ(startup, 0u) << text;
    ASSERT_NE(late, std::string::npos) << text;
    EXPECT_EQ(text.find(kPlain), late + std::string("sealkit: late pass 1, dlopen of ").size())
        << "the library appears first in the late pass, not among the start-up objects:\n" << text;
    const size_t entry = text.find("\n  " + kPlain + "\n    0x", late);
    ASSERT_NE(entry, std::string::npos) << text;
    // Seal calls are counted per object by the kernel backend, per batch by seccomp's.
    EXPECT_NE(text.find("KiB sealed, 1 run, ", entry), std::string::npos) << text;
    EXPECT_NE(text.find(", segments text", entry), std::string::npos) << text;

    command_result off = run_target("off", {"--report=" + file}, {"open", kPlain});
    ASSERT_EQ(off.exit_status, 0) << off.err;
    const std::string off_text = read_file(file);
    EXPECT_EQ(off_text.find("late pass"), std::string::npos) << off_text;
    EXPECT_EQ(off_text.find(kPlain), std::string::npos) << off_text;
}

// The pid in the file's name is the program's; the file is one document
// with the start-up objects (late: false) and then the library (late: true).
TEST(RunLateReport, JsonReportFileIsOneDocumentWithTheLibraryMarkedLate) {
    scratch_directory dir;
    ASSERT_FALSE(dir.path().empty());
    command_result r = run_target("pin", {"--report=" + dir.path() + "/report.%p.json", "--report-format=json"},
                                  {"open", kPlain});
    ASSERT_EQ(r.exit_status, 0) << r.out << r.err;
    ASSERT_EQ(r.err, "");
    std::vector<std::string> files = dir.entries();
    ASSERT_EQ(files.size(), 1u) << "the report and no temporary file left";
    ASSERT_EQ(files[0].rfind("report.", 0), 0u) << files[0];
    nlohmann::json report = nlohmann::json::parse(read_file(dir.path() + "/" + files[0]));
    const nlohmann::json &objects = report["objects"];
    ASSERT_EQ(objects.size(), report["images"].get<size_t>() + 1) << report.dump(2);
    for (size_t i = 0; i + 1 < objects.size(); ++i) EXPECT_EQ(objects[i]["late"], false) << objects[i].dump();
    const nlohmann::json &library = objects.back();
    EXPECT_EQ(library["name"], kPlain);
    EXPECT_EQ(library["late"], true);
    EXPECT_EQ(library["sealed"], true);
    EXPECT_EQ(library["skipped"], nullptr);
    EXPECT_EQ(library["sealed_after"], "dlopen");
    EXPECT_EQ(library["opened"], kPlain);
    EXPECT_EQ(library["pass"], 1);
    EXPECT_GT(library["bytes_sealed"].get<long>(), 0);
    EXPECT_GE(library["runs"].get<int>(), 1);
    EXPECT_TRUE(library["seal_calls"].is_number());
    EXPECT_GE(report["late_seals"]["seal_calls"].get<int>(), 1);
    EXPECT_GT(library["pass_nanoseconds"].get<long long>(), 0);
    EXPECT_TRUE(library.contains("relro_moved") && library.contains("mutable_ranges") && library.contains("segments"));
    EXPECT_EQ(report["late_seals"]["passes"], 1);
    EXPECT_EQ(report["late_seals"]["objects"], 1);
    EXPECT_EQ(report["late_seals"]["objects_sealed"], 1);
    EXPECT_EQ(report["late_seals"]["bytes_sealed"], library["bytes_sealed"]);

    scratch_directory off_dir;
    command_result off = run_target("off", {"--report=" + off_dir.path() + "/report.json", "--report-format=json"},
                                    {"open", kPlain});
    ASSERT_EQ(off.exit_status, 0) << off.err;
    nlohmann::json off_report = nlohmann::json::parse(read_file(off_dir.path() + "/report.json"));
    EXPECT_TRUE(objects_named(off_report, kPlain).empty()) << off_report.dump(2);
    EXPECT_FALSE(off_report.contains("late_seals"));
}

// nodelete seals a -z nodelete library with its DT_NEEDED closure in one
// pass: both reported, both brought by the dlopen of the first.
TEST(RunLateReport, ADependencySealedWithTheLibraryIsReportedAsBroughtByItsDlopen) {
    scratch_directory dir;
    const std::string file = dir.path() + "/report.json";
    command_result r = run_target("nodelete", {"--report=" + file, "--report-format=json"}, {"open", kNeedsPlain});
    ASSERT_EQ(r.exit_status, 0) << r.out << r.err;
    nlohmann::json report = nlohmann::json::parse(read_file(file));
    for (const std::string &library : {kNeedsPlain, kPlain}) {
        std::vector<nlohmann::json> found = objects_named(report, library);
        ASSERT_EQ(found.size(), 1u) << library << "\n" << report.dump(2);
        EXPECT_EQ(found[0]["late"], true);
        EXPECT_EQ(found[0]["opened"], kNeedsPlain);
        EXPECT_EQ(found[0]["pass"], 1);
    }
    EXPECT_EQ(report["late_seals"]["objects"], 2);
}

// JSON on stderr: the start-up document, then one document per late pass,
// each on a line of its own.
TEST(RunLateReport, JsonOnStderrIsOneDocumentPerLine) {
    command_result r = run_target("pin", {"--report", "--report-format=json"}, {"open", kPlain});
    ASSERT_EQ(r.exit_status, 0) << r.out << r.err;
    std::vector<nlohmann::json> documents;
    std::istringstream lines(r.err);
    for (std::string line; std::getline(lines, line);) documents.push_back(nlohmann::json::parse(line));
    ASSERT_EQ(documents.size(), 2u) << r.err;
    EXPECT_TRUE(objects_named(documents[0], kPlain).empty());
    EXPECT_FALSE(documents[0].contains("late_seal"));
    EXPECT_EQ(documents[1]["late_seal"]["pass"], 1);
    EXPECT_EQ(documents[1]["late_seal"]["opened"], kPlain);
    ASSERT_EQ(documents[1]["objects"].size(), 1u);
    EXPECT_EQ(documents[1]["objects"][0]["name"], kPlain);
    EXPECT_EQ(documents[1]["objects"][0]["late"], true);
}

// A constructor's dlopen, before start-up sealing, is caught up just before
// main: the report says so.
TEST(RunLateReport, ACaughtUpDlopenIsReportedAsTheCatchUp) {
    scratch_directory dir;
    const std::string file = dir.path() + "/report.json";
    std::vector<sealkit_test::environment_change> env = clean();
    env.push_back({"TARGET_LIBRARY", kPlain});
    command_result r = run_command({kCli, "run", "--dlopen=pin", "--report=" + file, "--report-format=json", "--",
                                    std::string(SEALKIT_TEST_PROGRAMS) + "/startup_dlopen_target"},
                                   env);
    EXPECT_EQ(r.exit_status, 1) << "sealed, so dlclose leaves it: " << r.out << r.err;
    nlohmann::json report = nlohmann::json::parse(read_file(file));
    std::vector<nlohmann::json> found = objects_named(report, kPlain);
    bool late = false;
    for (const nlohmann::json &object : found)
        if (object["late"] == true) {
            late = true;
            EXPECT_EQ(object["sealed_after"], "catch-up") << object.dump();
            EXPECT_EQ(object["sealed"], true) << object.dump();
        }
    EXPECT_TRUE(late) << report.dump(2);
}

// Threads opening at once: passes are serialised, and the file is one
// valid document at the end, listing each late object once.
TEST(RunLateReport, ConcurrentDlopensLeaveOneValidDocument) {
    scratch_directory dir;
    const std::string file = dir.path() + "/report.json";
    command_result r = run_target("pin", {"--report=" + file, "--report-format=json"}, {"threads", kPlain, kNodelete});
    ASSERT_EQ(r.exit_status, 0) << r.out << r.err;
    nlohmann::json report = nlohmann::json::parse(read_file(file));
    for (const std::string &library : {kPlain, kNodelete})
        EXPECT_EQ(objects_named(report, library).size(), 1u) << library << "\n" << report.dump(2);
    EXPECT_EQ(dir.entries().size(), 1u);
}

bool kernel_has_mseal() { return syscall(462, nullptr, 0, 0) == 0; }

// A late object that cannot be sealed stops the program under --enforce;
// the report already names it and the failure.
TEST(RunLateReport, AFailureThatStopsTheProgramIsInTheReportFirst) {
    if (!kernel_has_mseal()) GTEST_SKIP() << "the library seals part of itself with the kernel's mseal";
    scratch_directory dir;
    const std::string file = dir.path() + "/report.json";
    command_result r = run_target("nodelete", {"--enforce", "--report=" + file, "--report-format=json"},
                                  {"open", kUnsealable});
    ASSERT_EQ(r.exit_status, 125) << r.err;
    nlohmann::json report = nlohmann::json::parse(read_file(file));
    std::vector<nlohmann::json> found = objects_named(report, kUnsealable);
    ASSERT_EQ(found.size(), 1u) << report.dump(2);
    EXPECT_EQ(found[0]["late"], true);
    EXPECT_EQ(found[0]["sealed"], false);
    EXPECT_EQ(found[0]["error"]["step"], "relro");
    EXPECT_EQ(report["late_seals"]["objects_failed"], 1);
}

// A report path that start-up could not write (a symbolic link) gets no
// late pass either: the link's target stays untouched.
TEST(RunLateReport, ASymlinkedReportPathIsNeverWrittenThrough) {
    scratch_directory dir;
    const std::string victim = dir.path() + "/victim";
    const std::string link = dir.path() + "/report.json";
    ASSERT_EQ(symlink(victim.c_str(), link.c_str()), 0);
    command_result r = run_target("pin", {"--report=" + link, "--report-format=json"}, {"open", kPlain});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    EXPECT_NE(r.err.find("cannot write the report"), std::string::npos) << r.err;
    EXPECT_NE(access(victim.c_str(), F_OK), 0) << "the report followed the symlink";
    char target[4096] = {};
    EXPECT_GT(readlink(link.c_str(), target, sizeof target - 1), 0) << "a late pass replaced the link";
}

}  // namespace
