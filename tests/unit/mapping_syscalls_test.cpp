// The seccomp backend's deny-list is only as good as its completeness, so
// the table of mapping syscalls (src/seccomp/mapping_syscalls.cpp) is
// checked against three things nobody in this project wrote:
//   - the running kernel: every syscall function it has (/proc/kallsyms
//     __x64_sys_*, __ia32_sys_*, ...) must be classified, and no number above
//     the highest the table was reviewed against may answer anything but
//     ENOSYS;
//   - the kernel's own tables, copied as facts into
//     tests/data/syscalls/{x86_64,i386}-6.18.txt (number, name, function),
//     cross-checked with the system's <asm/unistd_*.h> where present;
//   - tests/data/syscalls/classification.txt, the reviewed verdict on every
//     name: a "changes-mappings" name must be a row of the table, and every
//     row must be such a name, with the same numbers.
// How to update all of it for a new kernel: docs/seccomp-backend.md, "The
// syscall table".
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "seccomp/mapping_syscalls.h"

namespace {

using sealkit::seccomp::kHighestReviewedI386;
using sealkit::seccomp::kHighestReviewedX86_64;
using sealkit::seccomp::kMappingSyscallCount;
using sealkit::seccomp::kMappingSyscalls;
using sealkit::seccomp::kReviewedKernel;
using sealkit::seccomp::mapping_syscall;

const std::string kDataDir = std::string(SEALKIT_TEST_DATA) + "/syscalls/";
const char kChangesMappings[] = "changes-mappings";

// One row of a kernel syscall table: name and the kernel function behind
// the number, without its sys_/compat_sys_ prefix ("-" when there is none).
struct table_row {
    std::string name;
    std::string function;
};

struct abi {
    const char *name;
    std::string list_file;
    int highest_reviewed;
    int mapping_syscall::*number;
};

const abi kX86_64{"x86_64", "x86_64-6.18.txt", kHighestReviewedX86_64, &mapping_syscall::x86_64_number};
const abi kI386{"i386", "i386-6.18.txt", kHighestReviewedI386, &mapping_syscall::i386_number};

std::vector<std::vector<std::string>> read_tab_separated(const std::string &path) {
    std::ifstream in(path);
    EXPECT_TRUE(in.good()) << "cannot read " << path;
    std::vector<std::vector<std::string>> rows;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::vector<std::string> fields;
        std::stringstream stream(line);
        std::string field;
        while (std::getline(stream, field, '\t')) fields.push_back(field);
        rows.push_back(fields);
    }
    return rows;
}

std::map<int, table_row> load_list(const abi &which) {
    std::map<int, table_row> list;
    for (const auto &fields : read_tab_separated(kDataDir + which.list_file)) {
        EXPECT_EQ(fields.size(), 3u) << which.list_file << ": not number, name, function: " << fields[0];
        if (fields.size() != 3) continue;
        const int number = std::stoi(fields[0]);
        EXPECT_TRUE(list.emplace(number, table_row{fields[1], fields[2]}).second)
            << which.list_file << ": number " << number << " listed twice";
    }
    return list;
}

struct verdict {
    std::string value;
    std::string reason;
};

std::map<std::string, verdict> load_classification() {
    std::map<std::string, verdict> classes;
    for (const auto &fields : read_tab_separated(kDataDir + "classification.txt")) {
        EXPECT_EQ(fields.size(), 3u) << "classification.txt: not name, verdict, reason: " << fields[0];
        if (fields.size() != 3) continue;
        EXPECT_FALSE(fields[2].empty()) << "classification.txt: " << fields[0] << " has no reason";
        EXPECT_TRUE(classes.emplace(fields[0], verdict{fields[1], fields[2]}).second)
            << "classification.txt: " << fields[0] << " classified twice";
    }
    return classes;
}

// Syscall functions in /proc/kallsyms, prefix removed: "__ia32_compat_sys_ia32_mmap"
// gives "ia32_mmap". strong_only drops weak symbols, which are the ENOSYS
// stubs (kernel/sys_ni.c) of syscalls this kernel was built without.
std::set<std::string> kernel_syscall_functions(bool strong_only) {
    static const char *const kPrefixes[] = {"__x64_sys_", "__x64_compat_sys_", "__ia32_sys_",
                                            "__ia32_compat_sys_", "__x32_compat_sys_"};
    std::set<std::string> functions;
    std::ifstream in("/proc/kallsyms");
    std::string address, type, symbol;
    while (in >> address >> type) {
        std::getline(in, symbol);
        std::stringstream rest(symbol);
        rest >> symbol;  // drops a trailing "[module]"
        if (strong_only && type != "T" && type != "t") continue;
        if (symbol.find('.') != std::string::npos) continue;  // .cold, .constprop: parts of a function
        for (const char *prefix : kPrefixes) {
            if (symbol.rfind(prefix, 0) == 0) {
                functions.insert(symbol.substr(strlen(prefix)));
                break;
            }
        }
    }
    return functions;
}

// Whether the running kernel is at least major.minor of kReviewedKernel.
bool kernel_at_least_reviewed(std::string *release) {
    utsname name{};
    uname(&name);
    *release = name.release;
    int major = 0, minor = 0, reviewed_major = 0, reviewed_minor = 0;
    sscanf(name.release, "%d.%d", &major, &minor);
    sscanf(kReviewedKernel, "%d.%d", &reviewed_major, &reviewed_minor);
    return major > reviewed_major || (major == reviewed_major && minor >= reviewed_minor);
}

bool same_kernel_as_reviewed(const std::string &release) {
    const std::string prefix = std::string(kReviewedKernel) + ".";
    return release == kReviewedKernel || release.rfind(prefix, 0) == 0;
}

TEST(MappingSyscalls, EveryKernelSyscallIsClassified) {
    std::string release;
    if (!kernel_at_least_reviewed(&release))
        GTEST_SKIP() << "kernel " << release << " is older than " << kReviewedKernel
                     << ", the kernel the table was reviewed against: its syscall functions may carry older "
                        "names, and its numbers are a subset of the reviewed ones (syscall numbers are never "
                        "reused), which NoSyscallAboveTheReviewedNumbers checks";
    const std::set<std::string> functions = kernel_syscall_functions(true);
    if (functions.empty())
        GTEST_SKIP() << "/proc/kallsyms is unreadable or has no __x64_sys_* symbols here, so the running "
                        "kernel's syscalls cannot be listed";

    std::set<std::string> known;
    for (const abi *which : {&kX86_64, &kI386})
        for (const auto &[number, row] : load_list(*which)) known.insert(row.function);
    for (const auto &[name, classified] : load_classification()) known.insert(name);

    for (const std::string &function : functions)
        EXPECT_TRUE(known.count(function))
            << "unreviewed syscall " << function << " (kernel " << release
            << "): classify it in tests/data/syscalls/classification.txt and, if it changes mappings, add it "
               "to src/seccomp/mapping_syscalls.cpp";
}

TEST(MappingSyscalls, EveryListedSyscallIsClassified) {
    const auto classes = load_classification();
    std::set<std::string> listed;
    for (const abi *which : {&kX86_64, &kI386}) {
        for (const auto &[number, row] : load_list(*which)) {
            listed.insert(row.name);
            auto found = classes.find(row.name);
            if (found == classes.end()) {
                ADD_FAILURE() << "unreviewed syscall " << row.name << " (" << which->name << " " << number
                              << "): classify it in tests/data/syscalls/classification.txt and, if it changes "
                                 "mappings, add it to src/seccomp/mapping_syscalls.cpp";
                continue;
            }
            EXPECT_TRUE(found->second.value == kChangesMappings || found->second.value == "no")
                << row.name << " (" << which->name << " " << number << ") is classified \"" << found->second.value
                << "\"; a numbered syscall is \"changes-mappings\" or \"no\"";
        }
    }
    for (const auto &[name, classified] : classes) {
        if (classified.value == "unnumbered")
            EXPECT_FALSE(listed.count(name)) << name << " is classified unnumbered but has a number";
        else
            EXPECT_TRUE(listed.count(name)) << name << " is classified but in neither number list";
    }
}

TEST(MappingSyscalls, EveryMappingSyscallIsInTheTable) {
    const auto classes = load_classification();
    for (const abi *which : {&kX86_64, &kI386}) {
        for (const auto &[number, row] : load_list(*which)) {
            auto found = classes.find(row.name);
            if (found == classes.end() || found->second.value != kChangesMappings) continue;
            if (row.function == "-") continue;  // reserved here (x86_64 uselib): ENOSYS
            const bool in_table = std::any_of(kMappingSyscalls, kMappingSyscalls + kMappingSyscallCount,
                                              [&](const mapping_syscall &call) { return call.*which->number == number; });
            EXPECT_TRUE(in_table) << row.name << " (" << which->name << " " << number
                                  << ") changes mappings (" << found->second.reason
                                  << ") but src/seccomp/mapping_syscalls.cpp has no row with that number";
        }
    }
}

TEST(MappingSyscalls, EveryTableRowIsAClassifiedMappingSyscall) {
    const auto classes = load_classification();
    const std::map<int, table_row> lists[] = {load_list(kX86_64), load_list(kI386)};
    for (size_t i = 0; i < kMappingSyscallCount; ++i) {
        const mapping_syscall &call = kMappingSyscalls[i];
        EXPECT_TRUE(call.kernel_source != nullptr && call.kernel_source[0] != '\0')
            << call.name << " has no kernel source";
        EXPECT_TRUE(call.x86_64_number >= 0 || call.i386_number >= 0) << call.name << " has no number";
        for (const abi *which : {&kX86_64, &kI386}) {
            const int number = call.*which->number;
            if (number < 0) continue;
            const auto &list = lists[which == &kX86_64 ? 0 : 1];
            auto row = list.find(number);
            if (row == list.end()) {
                ADD_FAILURE() << call.name << ": " << which->name << " has no syscall " << number;
                continue;
            }
            // The source reference names the function the kernel runs for this
            // number ("SYSCALL_DEFINE6(mmap_pgoff)" for i386 mmap2).
            const std::string function = "(" + row->second.function + ")";
            EXPECT_NE(std::string(call.kernel_source).find(function), std::string::npos)
                << call.name << ": " << which->name << " " << number << " is " << row->second.name
                << ", which runs the kernel function " << row->second.function << ", but the row's source is \""
                << call.kernel_source << "\"";
            auto found = classes.find(row->second.name);
            EXPECT_TRUE(found != classes.end() && found->second.value == kChangesMappings)
                << call.name << " (" << which->name << " " << number
                << ") is in the table but not classified changes-mappings in classification.txt";
        }
    }
}

TEST(MappingSyscalls, HighestReviewedNumbersAreTheListsHighest) {
    for (const abi *which : {&kX86_64, &kI386}) {
        const auto list = load_list(*which);
        ASSERT_FALSE(list.empty()) << which->list_file;
        EXPECT_EQ(list.rbegin()->first, which->highest_reviewed)
            << which->list_file << " ends at " << list.rbegin()->first << " (" << list.rbegin()->second.name
            << ") but kHighestReviewed for " << which->name << " is " << which->highest_reviewed;
    }
}

// A second source for the numbers: the kernel headers this machine builds
// against (older than 6.18, so they cover a prefix of the lists).
TEST(MappingSyscalls, ListsAgreeWithTheSystemHeaders) {
    struct header {
        const abi *which;
        const char *path;
    };
    int headers_read = 0;
    for (const header &h : {header{&kX86_64, "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"},
                            header{&kI386, "/usr/include/x86_64-linux-gnu/asm/unistd_32.h"}}) {
        std::ifstream in(h.path);
        if (!in.good()) continue;
        ++headers_read;
        const auto list = load_list(*h.which);
        std::string line;
        int defines = 0;
        while (std::getline(in, line)) {
            char name[128];
            int number = 0;
            if (sscanf(line.c_str(), "#define __NR_%127s %d", name, &number) != 2) continue;
            ++defines;
            auto row = list.find(number);
            EXPECT_TRUE(row != list.end() && row->second.name == name)
                << h.path << " says " << name << " is " << h.which->name << " " << number << "; "
                << h.which->list_file << " says " << (row == list.end() ? "nothing" : row->second.name);
        }
        EXPECT_GT(defines, 300) << h.path;
    }
    if (headers_read == 0) GTEST_SKIP() << "no <asm/unistd_64.h> or <asm/unistd_32.h> under /usr/include here";
}

TEST(MappingSyscalls, ListsNameTheRunningKernelsFunctions) {
    std::string release;
    kernel_at_least_reviewed(&release);
    if (!same_kernel_as_reviewed(release))
        GTEST_SKIP() << "the lists describe Linux " << kReviewedKernel << "; this kernel is " << release;
    std::set<std::string> functions = kernel_syscall_functions(false);
    if (functions.empty()) GTEST_SKIP() << "/proc/kallsyms is unreadable here";
    for (const abi *which : {&kX86_64, &kI386}) {
        for (const auto &[number, row] : load_list(*which)) {
            if (row.function == "-") continue;
            EXPECT_TRUE(functions.count(row.function))
                << which->list_file << ": " << number << " " << row.name << " runs " << row.function
                << ", which this " << kReviewedKernel << " kernel does not have";
        }
    }
}

// Numbers are probed in a forked child with arguments that are all invalid
// (-1: no such fd, no such address, no such flag): whatever a newer syscall
// does, it refuses them, and the child's state does not matter.
constexpr int kProbeEnd = 1024;  // new syscalls are numbered on from the highest

using probe_function = long (*)(long number);

long probe_syscall_instruction(long number) {
    const long result = syscall(number, -1L, -1L, -1L, -1L, -1L, -1L);
    return result == -1 ? -errno : result;
}

long probe_int80(long number) {
    long result;
    asm volatile("int $0x80"
                 : "=a"(result)
                 : "a"(number), "b"(-1L), "c"(-1L), "d"(-1L), "S"(-1L), "D"(-1L)
                 : "memory");
    return static_cast<int>(result);  // the compat entry returns a 32-bit value
}

struct probe_outcome {
    bool child_died = false;
    int signal = 0;
    std::vector<std::pair<int, long>> answers;  // numbers that did not answer ENOSYS
};

probe_outcome probe_numbers(probe_function probe, int first, int end) {
    probe_outcome outcome;
    int fds[2];
    if (pipe(fds) != 0) {
        ADD_FAILURE() << "pipe: " << strerror(errno);
        return outcome;
    }
    const pid_t child = fork();
    if (child == 0) {
        close(fds[0]);
        for (int number = first; number < end; ++number) {
            const long result = probe(number);
            if (result != -ENOSYS) {
                const long record[2] = {number, result};
                if (write(fds[1], record, sizeof record) != sizeof record) _exit(2);
            }
        }
        _exit(0);
    }
    close(fds[1]);
    long record[2];
    while (read(fds[0], record, sizeof record) == sizeof record)
        outcome.answers.emplace_back(static_cast<int>(record[0]), record[1]);
    close(fds[0]);
    int status = 0;
    waitpid(child, &status, 0);
    if (WIFSIGNALED(status)) {
        outcome.child_died = true;
        outcome.signal = WTERMSIG(status);
    }
    return outcome;
}

void expect_nothing_above(const abi &which, probe_function probe) {
    const probe_outcome outcome = probe_numbers(probe, which.highest_reviewed + 1, kProbeEnd);
    EXPECT_FALSE(outcome.child_died) << "probing " << which.name << " numbers killed the child with signal "
                                     << outcome.signal << " (" << strsignal(outcome.signal) << ")";
    std::string release;
    kernel_at_least_reviewed(&release);
    for (const auto &[number, result] : outcome.answers)
        ADD_FAILURE() << which.name << " syscall " << number << " exists on kernel " << release << " (it answered "
                      << result << ", not -ENOSYS) but the table was reviewed up to " << which.highest_reviewed
                      << " on Linux " << kReviewedKernel
                      << ": the table is out of date; review the new syscalls (docs/seccomp-backend.md, \"The "
                         "syscall table\")";
}

TEST(MappingSyscalls, NoSyscallAboveTheReviewedNumbers) {
    expect_nothing_above(kX86_64, probe_syscall_instruction);
}

TEST(MappingSyscalls, NoI386SyscallAboveTheReviewedNumbers) {
    const probe_outcome getpid_through_int80 = probe_numbers(probe_int80, 20, 21);  // i386 getpid
    if (getpid_through_int80.child_died)
        GTEST_SKIP() << "int 0x80 from a 64-bit process dies with signal " << getpid_through_int80.signal
                     << " here (IA32 emulation off, or refused by the hypervisor), so i386 numbers cannot be "
                        "probed";
    expect_nothing_above(kI386, probe_int80);
}

}  // namespace
