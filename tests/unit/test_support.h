// Shared helpers for the unit tests that check sealkit against the real
// kernel. Header-only on purpose (tests/CMakeLists.txt builds one program
// per *_test.cpp and globs nothing else).
//
// Rules the helpers follow, so that a test stays valid when a whole test
// binary runs in one process:
//   - every test maps FRESH memory and never reuses a sealed mapping: a seal
//     lasts as long as the process;
//   - the address space is inspected with an independent /proc parser (not
//     sealkit's own procfs code, which is part of what is under test);
//   - system calls are made directly: the tests are the attacker.
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "sealkit/sealkit.h"

extern char **environ;

// Advice values newer than Debian 12's headers.
#ifndef MADV_DONTNEED_LOCKED
#define MADV_DONTNEED_LOCKED 24
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif
#ifndef MADV_GUARD_REMOVE
#define MADV_GUARD_REMOVE 103
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

namespace sealkit_test {

inline constexpr long kMsealNr = 462;
inline constexpr long kPidfdOpenNr = 434;
inline constexpr long kProcessMadviseNr = 440;

inline size_t page() {
    static const size_t size = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    return size;
}

inline uintptr_t addr_of(const void *p) { return reinterpret_cast<uintptr_t>(p); }

// ---------------------------------------------------------------------------
// System call results.

// What a call returned: value, and errno when value == -1 (0 otherwise).
struct sys_result {
    long value = 0;
    int error = 0;
};

inline std::string errno_name(int error) {
    if (error == 0) return "0";
    const char *name = strerrorname_np(error);
    return name != nullptr ? name : std::to_string(error);
}

inline std::string describe(const sys_result &r) {
    if (r.value == -1) return "-1/" + errno_name(r.error);
    return std::to_string(r.value);
}

inline std::ostream &operator<<(std::ostream &out, const sys_result &r) { return out << describe(r); }

inline bool operator==(const sys_result &a, const sys_result &b) { return a.value == b.value && a.error == b.error; }

// Runs call() with errno cleared and records the result. Pointers (mmap,
// mremap) are converted, so MAP_FAILED reads as -1.
template <typename Call>
sys_result attempt(Call call) {
    errno = 0;
    auto raw = call();
    long value;
    if constexpr (std::is_pointer_v<decltype(raw)>) value = static_cast<long>(reinterpret_cast<intptr_t>(raw));
    else value = static_cast<long>(raw);
    return {value, value == -1 ? errno : 0};
}

inline ::testing::AssertionResult FailsWith(const sys_result &r, int expected) {
    if (r.value == -1 && r.error == expected) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "expected -1/" << errno_name(expected) << ", got " << describe(r);
}

inline ::testing::AssertionResult Succeeds(const sys_result &r) {
    if (r.value != -1) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "expected success, got " << describe(r);
}

// ---------------------------------------------------------------------------
// The kernel.

inline long raw_mseal(const void *addr, size_t len, unsigned long flags) {
    return syscall(kMsealNr, addr, len, flags);
}

inline bool kernel_has_mseal() {
    int saved = errno;
    bool has = raw_mseal(nullptr, 0, 0) == 0;
    errno = saved;
    return has;
}

inline bool kernel_at_least(int major, int minor) {
    struct utsname name {};
    if (uname(&name) != 0) return false;
    int got_major = 0, got_minor = 0;
    if (sscanf(name.release, "%d.%d", &got_major, &got_minor) != 2) return false;
    return got_major > major || (got_major == major && got_minor >= minor);
}

// ---------------------------------------------------------------------------
// Memory.

// A fresh mapping of `pages` pages, filled with `fill` (when the mapping is
// writable at the time), then given protection `prot`. nullptr on failure
// (the test then fails its ASSERT_NE).
inline char *map_pages(size_t pages, int prot = PROT_READ | PROT_WRITE, char fill = 'A',
                       int flags = MAP_PRIVATE | MAP_ANONYMOUS) {
    void *p = mmap(nullptr, pages * page(), PROT_READ | PROT_WRITE, flags, -1, 0);
    if (p == MAP_FAILED) {
        ADD_FAILURE() << "mmap of " << pages << " pages: " << strerror(errno);
        return nullptr;
    }
    memset(p, fill, pages * page());
    if (prot != (PROT_READ | PROT_WRITE) && mprotect(p, pages * page(), prot) != 0) {
        ADD_FAILURE() << "mprotect: " << strerror(errno);
        return nullptr;
    }
    return static_cast<char *>(p);
}

// A fresh range of `pages` pages with the pages listed in `holes` unmapped.
inline char *map_with_holes(size_t pages, std::initializer_list<size_t> holes, char fill = 'A') {
    char *p = map_pages(pages, PROT_READ | PROT_WRITE, fill);
    if (p == nullptr) return nullptr;
    for (size_t hole : holes) {
        if (munmap(p + hole * page(), page()) != 0) {
            ADD_FAILURE() << "munmap hole: " << strerror(errno);
            return nullptr;
        }
    }
    return p;
}

// A page-aligned address range that was mapped and is now free.
inline char *unmapped_range(size_t pages) {
    char *p = map_pages(pages);
    if (p == nullptr) return nullptr;
    munmap(p, pages * page());
    return p;
}

inline bool all_bytes(const void *p, size_t len, char expected) {
    const char *bytes = static_cast<const char *>(p);
    for (size_t i = 0; i < len; ++i)
        if (bytes[i] != expected) return false;
    return true;
}

// A temporary file of `pages` pages; page i is filled with fill + i. The
// file is unlinked at once; the caller closes the descriptor.
inline int temp_file(size_t pages, char fill = 'F') {
    const char *dir = getenv("TMPDIR");
    std::string path = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/sealkit-test-XXXXXX";
    std::vector<char> name(path.begin(), path.end());
    name.push_back('\0');
    int fd = mkstemp(name.data());
    if (fd < 0) {
        ADD_FAILURE() << "mkstemp: " << strerror(errno);
        return -1;
    }
    unlink(name.data());
    std::vector<char> buffer(page());
    for (size_t i = 0; i < pages; ++i) {
        memset(buffer.data(), fill + static_cast<char>(i), page());
        if (write(fd, buffer.data(), page()) != static_cast<ssize_t>(page())) {
            ADD_FAILURE() << "write temp file: " << strerror(errno);
            close(fd);
            return -1;
        }
    }
    return fd;
}

// ---------------------------------------------------------------------------
// /proc/self/maps and /proc/self/smaps, parsed independently of sealkit.

struct vma {
    uintptr_t start = 0;
    uintptr_t end = 0;
    std::string perms;  // "rw-p"
    std::string path;
    std::string vmflags;  // smaps only
    bool sealed = false;  // "sl" in VmFlags
};

inline std::vector<vma> read_vmas(bool with_smaps) {
    std::vector<vma> out;
    std::ifstream in(with_smaps ? "/proc/self/smaps" : "/proc/self/maps");
    std::string line;
    while (std::getline(in, line)) {
        if (line.compare(0, 8, "VmFlags:") == 0) {
            if (!with_smaps || out.empty()) continue;
            out.back().vmflags = line.substr(8);
            std::istringstream words(out.back().vmflags);
            std::string word;
            while (words >> word)
                if (word == "sl") out.back().sealed = true;
            continue;
        }
        // Header lines: "start-end perms offset dev inode [path]". smaps
        // field lines ("Size:  4 kB") never parse as "hex-hex perms".
        unsigned long start = 0, end = 0;
        char perms[8] = {};
        int consumed = 0;
        if (sscanf(line.c_str(), "%lx-%lx %7s %*s %*s %*s%n", &start, &end, perms, &consumed) < 3) continue;
        vma v;
        v.start = start;
        v.end = end;
        v.perms = perms;
        if (consumed > 0 && static_cast<size_t>(consumed) < line.size()) {
            size_t first = line.find_first_not_of(' ', static_cast<size_t>(consumed));
            if (first != std::string::npos) v.path = line.substr(first);
        }
        out.push_back(v);
    }
    return out;
}

// The VMA containing addr, from smaps (so with VmFlags).
inline std::optional<vma> vma_at(const void *addr) {
    uintptr_t a = addr_of(addr);
    for (const vma &v : read_vmas(true))
        if (v.start <= a && a < v.end) return v;
    return std::nullopt;
}

inline bool is_mapped(const void *addr) { return vma_at(addr).has_value(); }

// "rw-p" etc. of the page at addr, or "unmapped".
inline std::string perms_at(const void *addr) {
    auto v = vma_at(addr);
    return v ? v->perms : std::string("unmapped");
}

// Whether the kernel reports the page at addr as sealed (smaps "sl").
inline bool smaps_sealed(const void *addr) {
    auto v = vma_at(addr);
    return v && v->sealed;
}

// The facts sheet's non-destructive probe: a same-size mremap in place is
// refused with EPERM only on a sealed range (and is a no-op otherwise).
inline bool mremap_probe_sealed(void *addr, size_t len) {
    int saved = errno;
    void *r = mremap(addr, len, len, 0);
    bool sealed = r == MAP_FAILED && errno == EPERM;
    errno = saved;
    return sealed;
}

// Whether every page of [p, p + pages) is mapped with perms `perms`, holds
// `fill` in every byte (when readable) and is sealed (or not) as `sealed`.
// What a refused attack must leave behind.
inline ::testing::AssertionResult Intact(const char *p, size_t pages, char fill, const std::string &perms,
                                         bool sealed = true) {
    for (size_t i = 0; i < pages; ++i) {
        const char *pg = p + i * page();
        auto v = vma_at(pg);
        if (!v) return ::testing::AssertionFailure() << "page " << i << " is no longer mapped";
        if (v->perms != perms)
            return ::testing::AssertionFailure() << "page " << i << " is " << v->perms << ", expected " << perms;
        if (v->sealed != sealed)
            return ::testing::AssertionFailure() << "page " << i << (sealed ? " lost its seal" : " became sealed");
        if (perms[0] == 'r' && !all_bytes(pg, page(), fill))
            return ::testing::AssertionFailure() << "page " << i << " no longer holds '" << fill << "' (first byte "
                                                 << static_cast<int>(pg[0]) << ")";
    }
    return ::testing::AssertionSuccess();
}

// ---------------------------------------------------------------------------
// Processes.

struct outcome {
    int status = -1;  // from waitpid
    std::string output;

    bool exited() const { return status != -1 && WIFEXITED(status); }
    int exit_code() const { return exited() ? WEXITSTATUS(status) : -1; }
    bool signaled() const { return status != -1 && WIFSIGNALED(status); }
    int signal() const { return signaled() ? WTERMSIG(status) : 0; }
    std::string describe() const {
        std::string s = exited() ? "exit " + std::to_string(exit_code())
                                 : signaled() ? "signal " + std::to_string(signal()) : "not run";
        return s + "; output:\n" + output;
    }
};

inline std::string read_all(int fd) {
    std::string data;
    char buffer[4096];
    for (;;) {
        ssize_t n = read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        data.append(buffer, static_cast<size_t>(n));
    }
    return data;
}

// A child's report channel: printf-style lines into a pipe.
inline void report(int fd, const char *format, ...) __attribute__((format(printf, 2, 3)));
inline void report(int fd, const char *format, ...) {
    char line[512];
    va_list args;
    va_start(args, format);
    int n = vsnprintf(line, sizeof line, format, args);
    va_end(args);
    if (n < 0) return;
    size_t len = static_cast<size_t>(n) < sizeof line - 1 ? static_cast<size_t>(n) : sizeof line - 2;
    line[len++] = '\n';
    ssize_t ignored = write(fd, line, len);
    (void)ignored;
}

// Runs body(report_fd) in a fork()ed child and returns its exit status and
// everything it wrote to report_fd. body returns the child's exit code.
template <typename Body>
outcome run_in_child(Body body) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return {};
    fflush(nullptr);
    pid_t pid = fork();
    if (pid < 0) return {};
    if (pid == 0) {
        close(fds[0]);
        int code = body(fds[1]);
        _exit(code);
    }
    close(fds[1]);
    outcome result;
    result.output = read_all(fds[0]);
    close(fds[0]);
    while (waitpid(pid, &result.status, 0) < 0 && errno == EINTR) {
    }
    return result;
}

inline std::string program_path(const std::string &name) { return std::string(SEALKIT_TEST_PROGRAMS) + "/" + name; }

struct environment_change {
    std::vector<std::pair<std::string, std::string>> set;  // NAME=value
    std::vector<std::string> unset;
};

// The current environment with `change` applied, as "NAME=value" strings.
inline std::vector<std::string> changed_environment(const environment_change &change) {
    std::vector<std::string> env;
    for (char **e = environ; *e != nullptr; ++e) {
        std::string entry = *e;
        std::string name = entry.substr(0, entry.find('='));
        bool drop = false;
        for (const auto &u : change.unset) drop = drop || name == u;
        for (const auto &s : change.set) drop = drop || name == s.first;
        if (!drop) env.push_back(entry);
    }
    for (const auto &s : change.set) env.push_back(s.first + "=" + s.second);
    return env;
}

inline void no_pre_exec() {}

// Runs a program with arguments and environment changes; returns its exit
// status and standard output (standard error goes to the test's log).
// pre_exec() runs in the child just before execve (it must only make
// async-signal-safe calls).
template <typename PreExec = void (*)()>
outcome run_program(const std::string &path, const std::vector<std::string> &args,
                    const environment_change &change = {}, PreExec pre_exec = no_pre_exec) {
    std::vector<std::string> env_strings = changed_environment(change);
    std::vector<char *> envp;
    for (auto &e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv_strings{path};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char *> argv;
    for (auto &a : argv_strings) argv.push_back(a.data());
    argv.push_back(nullptr);

    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return {};
    fflush(nullptr);
    pid_t pid = fork();
    if (pid < 0) return {};
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        pre_exec();
        execve(path.c_str(), argv.data(), envp.data());
        _exit(127);
    }
    close(fds[1]);
    outcome result;
    result.output = read_all(fds[0]);
    close(fds[0]);
    while (waitpid(pid, &result.status, 0) < 0 && errno == EINTR) {
    }
    return result;
}

// "key value..." lines of a helper's output, by key (first word).
inline std::optional<std::string> field(const std::string &output, const std::string &key) {
    std::istringstream in(output);
    std::string line;
    while (std::getline(in, line)) {
        if (line.compare(0, key.size(), key) == 0 && (line.size() == key.size() || line[key.size()] == ' '))
            return line.size() == key.size() ? std::string() : line.substr(key.size() + 1);
    }
    return std::nullopt;
}

// ---------------------------------------------------------------------------
// Fixture for everything that needs the kernel backend in this process.

class KernelBackendTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!kernel_has_mseal()) GTEST_SKIP() << "this kernel has no mseal(2) (needs Linux 6.10+, 64-bit)";
        ASSERT_EQ(sealkit_backend(), SEALKIT_BACKEND_KERNEL)
            << "these tests seal through the kernel backend; sealkit chose \"" << sealkit_backend_name()
            << "\": " << sealkit_backend_reason() << " (is SEALKIT_BACKEND set in the test environment?)";
    }

    // A fresh mapping, filled, given `prot` and sealed through sealkit_seal.
    static char *sealed_pages(size_t pages, int prot, char fill = 'A', int flags = MAP_PRIVATE | MAP_ANONYMOUS) {
        char *p = map_pages(pages, prot, fill, flags);
        if (p == nullptr) return nullptr;
        if (sealkit_seal(p, pages * page(), 0) != 0) {
            ADD_FAILURE() << "sealkit_seal: " << strerror(errno);
            return nullptr;
        }
        return p;
    }
};

}  // namespace sealkit_test
