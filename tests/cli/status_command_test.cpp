// `sealkit status`, run as the real binary against a helper process
// (tests/programs/status_target.c) that seals known ranges. Expected sizes
// come from `readelf -lW` of the helper and from this test's own reading of
// /proc/PID/smaps, never from sealkit's code.
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/backend_cases.h"
#include "cli/command_runner.h"
#include "system/syscalls.h"

namespace {

using sealkit_test::command_result;
using sealkit_test::lines_of;
using sealkit_test::run_command;
using sealkit_test::running_program;

const std::string kTarget = std::string(SEALKIT_TEST_PROGRAMS) + "/status_target";

std::string real_path(const std::string &path) {
    char resolved[PATH_MAX];
    return realpath(path.c_str(), resolved) ? resolved : path;
}

uint64_t page_size() { return static_cast<uint64_t>(sysconf(_SC_PAGESIZE)); }
uint64_t page_down(uint64_t v) { return v & ~(page_size() - 1); }
uint64_t page_up(uint64_t v) { return (v + page_size() - 1) & ~(page_size() - 1); }

// The helper's segments as `readelf -lW` prints them, reduced to the byte
// counts status must report for its executable.
struct expected_image {
    uint64_t text = 0, rodata = 0, relro = 0, data = 0;
    bool ok = false;
};

expected_image image_from_readelf(const std::string &path) {
    expected_image image;
    command_result run = run_command({"/usr/bin/readelf", "-lW", path});
    if (run.exit_status != 0) return image;
    uint64_t rw_start = 0, rw_end = 0, relro_start = 0, relro_end = 0;
    for (const std::string &line : lines_of(run.out)) {
        std::istringstream fields(line);
        std::string type;
        fields >> type;
        if (type != "LOAD" && type != "GNU_RELRO") continue;
        std::vector<std::string> rest;
        for (std::string word; fields >> word;) rest.push_back(word);
        if (rest.size() < 6) continue;
        // offset vaddr paddr filesz memsz FLAGS... align
        uint64_t vaddr = std::stoull(rest[1], nullptr, 16);
        uint64_t memsz = std::stoull(rest[4], nullptr, 16);
        std::string flags;
        for (size_t i = 5; i + 1 < rest.size(); ++i) flags += rest[i];
        if (type == "GNU_RELRO") {
            relro_start = page_down(vaddr);
            relro_end = page_down(vaddr + memsz);
            continue;
        }
        uint64_t bytes = page_up(vaddr + memsz) - page_down(vaddr);
        if (flags.find('E') != std::string::npos) image.text += bytes;
        else if (flags.find('W') != std::string::npos) rw_start = page_down(vaddr), rw_end = page_up(vaddr + memsz);
        else image.rodata += bytes;
    }
    image.relro = relro_end > relro_start ? relro_end - relro_start : 0;
    image.data = rw_end - rw_start - image.relro;
    image.ok = image.text > 0 && rw_end > rw_start;
    return image;
}

// What this test reads in /proc/PID/smaps by itself.
struct smaps_facts {
    size_t mappings = 0, sealed_mappings = 0;
    uint64_t file_backed_bytes = 0, sealed_file_backed_bytes = 0;
};

smaps_facts read_smaps(pid_t pid) {
    smaps_facts facts;
    std::ifstream smaps("/proc/" + std::to_string(pid) + "/smaps");
    std::string line;
    uint64_t length = 0;
    bool file_backed = false;
    while (std::getline(smaps, line)) {
        unsigned long start, end, inode;
        char perms[8], offset[32], device[32];
        if (sscanf(line.c_str(), "%lx-%lx %7s %31s %31s %lu", &start, &end, perms, offset, device, &inode) == 6) {
            ++facts.mappings;
            length = end - start;
            file_backed = inode != 0;
            if (file_backed) facts.file_backed_bytes += length;
        } else if (line.rfind("VmFlags:", 0) == 0 && (line + " ").find(" sl ") != std::string::npos) {
            ++facts.sealed_mappings;
            if (file_backed) facts.sealed_file_backed_bytes += length;
        }
    }
    return facts;
}

const nlohmann::json *find_object(const nlohmann::json &process, const std::string &name) {
    for (const nlohmann::json &object : process.at("objects"))
        if (object.at("name") == name) return &object;
    return nullptr;
}

const nlohmann::json *find_object_containing(const nlohmann::json &process, const std::string &fragment) {
    for (const nlohmann::json &object : process.at("objects"))
        if (object.at("name").get<std::string>().find(fragment) != std::string::npos) return &object;
    return nullptr;
}

class StatusCommand : public ::testing::Test {
protected:
    void SetUp() override {
        if (sealkit::sys::probe_seal_support() != 0) GTEST_SKIP() << "this kernel has no mseal(2)";
    }
};

TEST_F(StatusCommand, JsonReportsExactlyWhatTheTargetSealed) {
    running_program target({kTarget});
    ASSERT_TRUE(target.ready());
    expected_image image = image_from_readelf(kTarget);
    ASSERT_TRUE(image.ok) << "readelf -lW " << kTarget << " gave no usable segments";
    ASSERT_GT(image.relro, 0u) << "the helper should be linked with RELRO";

    command_result run = run_command({SEALKIT_CLI, "status", "--json", std::to_string(target.pid())});
    ASSERT_EQ(run.exit_status, 0) << run.err;
    EXPECT_EQ(run.err, "");
    nlohmann::json doc = nlohmann::json::parse(run.out);
    EXPECT_EQ(doc.at("format_version"), 1);
    EXPECT_TRUE(doc.at("errors").empty());
    ASSERT_EQ(doc.at("processes").size(), 1u);
    const nlohmann::json &process = doc.at("processes")[0];
    EXPECT_EQ(process.at("pid"), target.pid());
    EXPECT_EQ(process.at("command"), "status_target");
    EXPECT_EQ(process.at("executable"), real_path(kTarget));

    const nlohmann::json *exe = find_object(process, real_path(kTarget));
    ASSERT_NE(exe, nullptr) << process.dump(1);
    EXPECT_EQ(exe->at("kind"), "executable");
    EXPECT_EQ(exe->at("layout_from"), "memory");
    const nlohmann::json &parts = exe->at("parts");
    EXPECT_EQ(parts.at("text").at("bytes"), image.text);
    EXPECT_EQ(parts.at("text").at("sealed_bytes"), image.text);
    EXPECT_EQ(parts.at("text").at("state"), "sealed");
    EXPECT_EQ(parts.at("rodata").at("bytes"), image.rodata);
    EXPECT_EQ(parts.at("rodata").at("state"), "sealed");
    EXPECT_EQ(parts.at("relro").at("bytes"), image.relro);
    EXPECT_EQ(parts.at("relro").at("state"), "unsealed");
    // data includes the anonymous .bss tail after the last file page.
    EXPECT_EQ(parts.at("data").at("bytes"), image.data);
    EXPECT_EQ(parts.at("data").at("sealed_bytes"), target.number("data_sealed_bytes"));
    EXPECT_EQ(parts.at("data").at("state"), "partly");
    EXPECT_EQ(parts.at("other").at("bytes"), 0);
    EXPECT_EQ(exe->at("bytes"), image.text + image.rodata + image.relro + image.data);
    EXPECT_EQ(exe->at("sealed_bytes"),
              target.number("executable_read_only_sealed_bytes") + target.number("data_sealed_bytes"));
    EXPECT_EQ(target.number("executable_read_only_sealed_bytes"), image.text + image.rodata);

    // The named-anonymous feature may be missing, so the helper's sealed
    // anonymous pages are in the "anonymous" row, and nothing else there is
    // sealed.
    const nlohmann::json *anonymous = find_object(process, "anonymous");
    ASSERT_NE(anonymous, nullptr);
    EXPECT_EQ(anonymous->at("kind"), "anonymous");
    EXPECT_EQ(anonymous->at("sealed_bytes"), target.number("anonymous_sealed_bytes"));
    EXPECT_TRUE(anonymous->at("parts").is_null());

    for (const char *name : {"[stack]", "[vdso]", "[heap]"}) {
        const nlohmann::json *row = find_object(process, name);
        ASSERT_NE(row, nullptr) << name;
        EXPECT_EQ(row->at("mappings"), 1) << name;
    }
    // The vDSO is an ELF image too: all of it is text.
    const nlohmann::json *vdso = find_object(process, "[vdso]");
    EXPECT_EQ(vdso->at("parts").at("text").at("bytes"), vdso->at("bytes"));
    for (const char *library : {"libsealkit.so", "libc.so.6", "ld-linux"}) {
        const nlohmann::json *row = find_object_containing(process, library);
        ASSERT_NE(row, nullptr) << library;
        EXPECT_EQ(row->at("kind"), "library") << library;
        EXPECT_EQ(row->at("parts").at("text").at("state"), "unsealed") << library;
        EXPECT_EQ(row->at("sealed_bytes"), 0) << library;
    }

    smaps_facts facts = read_smaps(target.pid());
    EXPECT_EQ(process.at("mappings"), facts.mappings);
    EXPECT_EQ(process.at("sealed_mappings"), facts.sealed_mappings);
    EXPECT_EQ(process.at("file_backed_bytes"), facts.file_backed_bytes);
    EXPECT_EQ(process.at("sealed_file_backed_bytes"), facts.sealed_file_backed_bytes);
    size_t rows_mappings = 0;
    for (const nlohmann::json &object : process.at("objects")) rows_mappings += object.at("mappings").get<size_t>();
    EXPECT_EQ(rows_mappings, facts.mappings);
}

TEST_F(StatusCommand, TextShowsTheExecutableRowAndSummary) {
    running_program target({kTarget});
    ASSERT_TRUE(target.ready());
    command_result run = run_command({SEALKIT_CLI, "status", std::to_string(target.pid())});
    ASSERT_EQ(run.exit_status, 0) << run.err;
    std::vector<std::string> lines = lines_of(run.out);
    ASSERT_GE(lines.size(), 3u) << run.out;
    EXPECT_EQ(lines[0], "PID " + std::to_string(target.pid()) + " (status_target) " + real_path(kTarget));

    std::string exe_row;
    for (const std::string &line : lines)
        if (line.size() > real_path(kTarget).size() && line.ends_with(" " + real_path(kTarget))) exe_row = line;
    ASSERT_FALSE(exe_row.empty()) << run.out;
    std::istringstream cells(exe_row);
    std::string maps, bytes, bytes_unit, sealed, sealed_unit, text, rodata, relro, data;
    cells >> maps >> bytes >> bytes_unit >> sealed >> sealed_unit >> text >> rodata >> relro >> data;
    EXPECT_EQ(text, "sealed");
    EXPECT_EQ(rodata, "sealed");
    EXPECT_EQ(relro, "unsealed");
    EXPECT_EQ(data, "partly");
    uint64_t sealed_kib =
        (target.number("executable_read_only_sealed_bytes") + target.number("data_sealed_bytes")) / 1024;
    EXPECT_EQ(sealed + " " + sealed_unit, std::to_string(sealed_kib) + " KiB");

    smaps_facts facts = read_smaps(target.pid());
    char percent[32];
    snprintf(percent, sizeof percent, "%.1f",
             static_cast<double>(facts.sealed_file_backed_bytes * 1000 / facts.file_backed_bytes) / 10.0);
    EXPECT_EQ(lines.back(), std::to_string(facts.sealed_mappings) + " of " + std::to_string(facts.mappings) +
                                " mappings sealed, " + percent + "% of file-backed bytes sealed");
}

TEST_F(StatusCommand, SelfReportsTheCliItself) {
    command_result run = run_command({SEALKIT_CLI, "status", "self", "--json"});
    ASSERT_EQ(run.exit_status, 0) << run.err;
    nlohmann::json process = nlohmann::json::parse(run.out).at("processes").at(0);
    EXPECT_NE(process.at("pid"), getpid());
    EXPECT_EQ(process.at("executable"), real_path(SEALKIT_CLI));
    const nlohmann::json *exe = find_object(process, real_path(SEALKIT_CLI));
    ASSERT_NE(exe, nullptr);
    EXPECT_EQ(exe->at("kind"), "executable");
    EXPECT_EQ(exe->at("layout_from"), "memory");
    EXPECT_EQ(exe->at("parts").at("text").at("state"), "unsealed");
}

TEST_F(StatusCommand, CountsEveryOneOfTenThousandMappings) {
    running_program target({kTarget, "--mappings", "10000"});
    ASSERT_TRUE(target.ready());
    command_result run = run_command({SEALKIT_CLI, "status", "--json", std::to_string(target.pid())});
    ASSERT_EQ(run.exit_status, 0) << run.err;
    nlohmann::json process = nlohmann::json::parse(run.out).at("processes").at(0);
    const nlohmann::json *anonymous = find_object(process, "anonymous");
    ASSERT_NE(anonymous, nullptr);
    EXPECT_GE(anonymous->at("mappings").get<size_t>(), 10000u);
    EXPECT_EQ(process.at("mappings"), read_smaps(target.pid()).mappings);
}

TEST_F(StatusCommand, SeveralPidsAreReportedInOrder) {
    running_program first({kTarget});
    running_program second({kTarget});
    ASSERT_TRUE(first.ready() && second.ready());
    command_result run = run_command(
        {SEALKIT_CLI, "status", "--json", std::to_string(second.pid()), std::to_string(first.pid())});
    ASSERT_EQ(run.exit_status, 0) << run.err;
    nlohmann::json processes = nlohmann::json::parse(run.out).at("processes");
    ASSERT_EQ(processes.size(), 2u);
    EXPECT_EQ(processes[0].at("pid"), second.pid());
    EXPECT_EQ(processes[1].at("pid"), first.pid());

    command_result text = run_command({SEALKIT_CLI, "status", std::to_string(first.pid()), std::to_string(second.pid())});
    EXPECT_EQ(text.exit_status, 0);
    EXPECT_NE(text.out.find("\n\nPID " + std::to_string(second.pid()) + " "), std::string::npos) << text.out;
}

// sealkit's seccomp backend leaves no "sl" in smaps: status must say that it
// runs in the process (backend "seccomp", the filter count) rather than let
// the rows read as if nothing were sealed. Forced here on a kernel that can
// report seals (status refuses to run on one that cannot).
TEST(StatusSeccompBackend, IsNamedForAProcessSealedThroughIt) {
    if (sealkit::sys::probe_seal_support() != 0) GTEST_SKIP() << "this kernel has no mseal(2): status cannot run";
    SKIP_UNLESS_BACKEND_WORKS_HERE("seccomp");
    running_program target({SEALKIT_CLI, "run", "--backend=seccomp", "--", kTarget});
    ASSERT_TRUE(target.ready());
    const std::string pid = std::to_string(target.pid());
    command_result json = run_command({SEALKIT_CLI, "status", "--json", pid});
    ASSERT_EQ(json.exit_status, 0) << json.err;
    nlohmann::json process = nlohmann::json::parse(json.out).at("processes").at(0);
    EXPECT_EQ(process.at("backend"), "seccomp");
    EXPECT_EQ(process.at("seccomp_backend"), true);
    EXPECT_GE(process.at("seccomp_filters").get<int>(), 1);
    EXPECT_EQ(process.at("sealed_mappings"), 0) << "the seccomp backend's seals have no sl flag";

    command_result text = run_command({SEALKIT_CLI, "status", pid});
    EXPECT_NE(text.out.find("; sealkit's seccomp backend runs here ("), std::string::npos) << text.out;
    command_result all = run_command({SEALKIT_CLI, "status", "--all"});
    bool row_found = false;
    for (const std::string &line : sealkit_test::lines_of(all.out))
        if (line.rfind(std::string(7 - std::min<size_t>(7, pid.size()), ' ') + pid + " ", 0) == 0) {
            row_found = true;
            EXPECT_EQ(line.substr(line.size() - 7), "seccomp") << line;
        }
    EXPECT_TRUE(row_found) << all.out;
    command_result prometheus = run_command({SEALKIT_CLI, "status", "--format=prometheus", pid});
    const std::string sample = "sealkit_process_seccomp_backend{pid=\"" + pid + "\",command=\"status_target\"} 1";
    EXPECT_NE(prometheus.out.find(sample + "\n"), std::string::npos) << prometheus.out;
}

// The marker's name alone proves nothing: a process that maps a memfd of
// that name but runs no seccomp filter is not reported as sealed by it, and
// an ordinary process has neither.
TEST(StatusSeccompBackend, AMarkerWithoutFiltersIsNotTheBackend) {
    if (sealkit::sys::probe_seal_support() != 0) GTEST_SKIP() << "this kernel has no mseal(2): status cannot run";
    const std::string impostor =
        "import mmap, os, sys\n"
        "fd = os.memfd_create('sealkit-exec-marker')\n"
        "os.ftruncate(fd, 4096)\n"
        "m = mmap.mmap(fd, 4096, prot=mmap.PROT_READ)\n"
        "print('ready', flush=True)\n"
        "sys.stdin.read()\n";
    running_program target({"/usr/bin/python3", "-c", impostor});
    ASSERT_TRUE(target.ready());
    const std::string pid = std::to_string(target.pid());
    std::ifstream maps("/proc/" + pid + "/maps");
    std::stringstream text;
    text << maps.rdbuf();
    ASSERT_NE(text.str().find("/memfd:sealkit-exec-marker (deleted)"), std::string::npos) << text.str();
    command_result json = run_command({SEALKIT_CLI, "status", "--json", pid});
    ASSERT_EQ(json.exit_status, 0) << json.err;
    nlohmann::json process = nlohmann::json::parse(json.out).at("processes").at(0);
    EXPECT_EQ(process.at("seccomp_backend"), false);
    EXPECT_TRUE(process.at("backend").is_null());
    EXPECT_TRUE(process.at("seccomp_filters").is_null());
}

}  // namespace
