// The exec guard (src/seccomp/exec_guard.h): under the seccomp backend the
// first filter's seals end at execve, as the kernel's do, while they stay
// in force in the sealing image, its threads and its fork children; if the
// guard dies the seals stay refused (ENOSYS) and nobody can take its place.
// Each case seals in a forked child, since filters are permanent.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "sealkit/sealkit.h"
#include "seccomp/exec_guard_process.h"
#include "seccomp/image_marker.h"
#include "seccomp/seal_enforcer.h"
#include "test_support.h"

namespace {

using namespace sealkit_test;
using sealkit::seccomp::image_marker;
using sealkit::seccomp::marker_search;

constexpr size_t kPage = 4096;

// How many execs the main case makes: the thousand, fewer where
// SEALKIT_TEST_EXECS says so (the 6.1 guest emulates a CPU and is slow).
int exec_count() {
    const char *count = getenv("SEALKIT_TEST_EXECS");
    return count != nullptr ? atoi(count) : 1000;
}

int run_and_wait(const char *mode, void *addr, size_t len, std::string *output = nullptr) {
    char address[32], length[32];
    snprintf(address, sizeof address, "%p", addr);
    snprintf(length, sizeof length, "%zu", len);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return -1;
    const std::string program = program_path("exec_guard_child");
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        execl(program.c_str(), "exec_guard_child", mode, address, length, static_cast<char *>(nullptr));
        _exit(127);
    }
    close(fds[1]);
    std::string text = read_all(fds[0]);
    close(fds[0]);
    if (output != nullptr) *output = text;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Maps two pages and seals them through the C API under the seccomp
// backend; the first seal of the process, so the guarded filter.
char *sealed_pages(int report) {
    setenv("SEALKIT_BACKEND", "seccomp", 1);
    void *p = mmap(nullptr, 2 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED || sealkit_seal(p, 2 * kPage, 0) != 0) return nullptr;
    const auto guard = sealkit::seccomp::exec_guard();
    if (!guard.running) {
        dprintf(report, "no exec guard: %s\n", guard.problem ? guard.problem : "(no reason)");
        return nullptr;
    }
    return static_cast<char *>(p);
}

bool refused_with(int result, int expected) { return result == -1 && errno == expected; }

bool process_is_gone(long pid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    std::ifstream stat(path);
    if (!stat) return true;
    std::string line;
    std::getline(stat, line);
    const size_t close = line.rfind(')');
    return close != std::string::npos && line.size() > close + 2 && line[close + 2] == 'Z';
}

bool wait_until_gone(long pid) {
    for (int i = 0; i < 500; ++i) {
        if (process_is_gone(pid)) return true;
        usleep(10000);
    }
    return false;
}

TEST(ExecGuard, ThousandExecsMapAtTheSealedAddressesWhileTheSealsHoldHere) {
    const int execs = exec_count();
    outcome run = run_in_child([execs](int report) {
        char *p = sealed_pages(report);
        if (p == nullptr) return 10;
        if (!refused_with(mprotect(p, 2 * kPage, PROT_READ), EPERM)) return 11;
        int failures = 0;
        std::string first_failure;
        for (int i = 0; i < execs; ++i) {
            std::string output;
            if (run_and_wait("map", p, 2 * kPage, &output) != 0) {
                if (failures++ == 0) first_failure = output;
            }
        }
        if (failures != 0) {
            dprintf(report, "%d of %d exec'd children were refused; the first said: %s", failures, execs,
                    first_failure.c_str());
            return 12;
        }
        // A fork child (no exec) still meets the seals; so does the parent.
        pid_t child = fork();
        if (child == 0) {
            const bool refused = refused_with(munmap(p, kPage), EPERM) &&
                                 refused_with(mprotect(p, kPage, PROT_READ), EPERM) &&
                                 mmap(p, kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED;
            _exit(refused ? 0 : 1);
        }
        int status = 0;
        waitpid(child, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return 13;
        if (!refused_with(munmap(p, 2 * kPage), EPERM)) return 14;
        if (!refused_with(mprotect(p, kPage, PROT_NONE), EPERM)) return 15;
        if (!refused_with(madvise(p, kPage, MADV_DONTFORK), EPERM) && errno != EPERM) {
            // DONTFORK is not refused on writable memory by the kernel either: fine.
        }
        p[0] = 7;  // still mapped and writable: nothing was unmapped
        return 0;
    });
    EXPECT_EQ(run.exit_code(), 0) << run.describe();
}

TEST(ExecGuard, LaterSealsEndAtExecTooAndEarlierOnesStillDo) {
    outcome run = run_in_child([](int report) {
        char *first = sealed_pages(report);
        if (first == nullptr) return 10;
        const size_t filters_before = sealkit::seccomp::statistics().filters;
        // Two more seals, each its own call: the guard moves each time.
        char *later[2];
        for (char *&p : later) {
            p = static_cast<char *>(mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
            if (sealkit_seal(p, kPage, 0) != 0) return 11;
        }
        if (sealkit::seccomp::statistics().filters != filters_before + 2) return 12;
        if (!sealkit::seccomp::exec_guard().running) return 13;
        for (char *p : {first, later[0], later[1]}) {
            if (!refused_with(mprotect(p, kPage, PROT_NONE), EPERM)) return 14;
            if (!refused_with(munmap(p, kPage), EPERM)) return 15;
            std::string output;
            if (run_and_wait("map", p, kPage, &output) != 0) {
                dprintf(report, "exec'd child refused at %p: %s", static_cast<void *>(p), output.c_str());
                return 16;
            }
        }
        return 0;
    });
    EXPECT_EQ(run.exit_code(), 0) << run.describe();
}

TEST(ExecGuard, ATaskForkedBeforeALaterSealGetsEnosysOnTheEarlierSeals) {
    // The documented cost of moving the guard: a task that kept the older
    // filter (forked, or exec'd, before the move) has no listener there
    // any more; its sealed calls are still refused, with ENOSYS.
    outcome run = run_in_child([](int report) {
        char *first = sealed_pages(report);
        if (first == nullptr) return 10;
        int go[2];
        if (pipe(go) != 0) return 11;
        pid_t child = fork();
        if (child == 0) {
            char byte;
            if (read(go[0], &byte, 1) != 1) _exit(2);
            _exit(refused_with(mprotect(first, kPage, PROT_NONE), ENOSYS) ? 0 : 1);
        }
        void *p = mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (sealkit_seal(p, kPage, 0) != 0) return 12;
        if (write(go[1], "g", 1) != 1) return 13;
        int status = 0;
        waitpid(child, &status, 0);
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 14;
    });
    EXPECT_EQ(run.exit_code(), 0) << run.describe();
}

TEST(ExecGuard, BrkBelowSealedHeapPagesGetsTheCurrentBreakFromTheGuard) {
    // The sealing image itself seals heap pages (its first seal: the guarded
    // filter); moving the break below them is answered by the guard with
    // the current break, as the kernel does, and the pages stay.
    outcome run = run_in_child([](int report) {
        setenv("SEALKIT_BACKEND", "seccomp", 1);
        char *current = static_cast<char *>(sbrk(0));
        const uintptr_t aligned = (reinterpret_cast<uintptr_t>(current) + kPage - 1) & ~(kPage - 1);
        if (sbrk(static_cast<intptr_t>(aligned - reinterpret_cast<uintptr_t>(current) + 2 * kPage)) == (void *)-1)
            return 77;
        char *heap = reinterpret_cast<char *>(aligned);
        char *top = static_cast<char *>(sbrk(0));
        memset(heap, 'H', 2 * kPage);
        if (sealkit_seal(heap, 2 * kPage, 0) != 0) return 10;
        if (!sealkit::seccomp::exec_guard().running) return 11;
        top = reinterpret_cast<char *>(syscall(SYS_brk, 0));  // sealing itself may have used malloc
        const long answered = syscall(SYS_brk, heap);
        if (answered != reinterpret_cast<long>(top)) {
            dprintf(report, "brk(%p) returned %#lx, the break is %p\n", static_cast<void *>(heap), answered,
                    static_cast<void *>(top));
            return 12;
        }
        if (brk(heap) != 0) return 13;  // glibc: the kernel's answer means success
        if (reinterpret_cast<char *>(syscall(SYS_brk, 0)) != top) return 14;
        for (size_t i = 0; i < 2 * kPage; ++i)
            if (heap[i] != 'H') return 15;
        // Growing, and brk(0), are untouched.
        if (syscall(SYS_brk, top + kPage) != reinterpret_cast<long>(top + kPage)) return 16;
        return 0;
    });
    if (run.exit_code() == 77) GTEST_SKIP() << "the heap cannot grow here";
    EXPECT_EQ(run.exit_code(), 0) << run.describe();
}

// Runs body as an unprivileged user where the test runs as root, so that
// the guard, forked from it, is an ordinary process of that user too.
bool become_nobody() {
    if (geteuid() != 0) return true;
    return setgroups(0, nullptr) == 0 && setresgid(65534, 65534, 65534) == 0 && setresuid(65534, 65534, 65534) == 0;
}

TEST(ExecGuard, TheSealedProgramCannotTakeTheGuardsListener) {
    // pidfd_getfd (like ptrace) needs the guard to be dumpable or the
    // caller to have CAP_SYS_PTRACE: the guard is not dumpable.
    outcome run = run_in_child([](int report) {
        if (!become_nobody()) return 9;
        char *p = sealed_pages(report);
        if (p == nullptr) return 10;
        const long guard = sealkit::seccomp::exec_guard().pid;
        const long pidfd = syscall(SYS_pidfd_open, guard, 0);
        if (pidfd < 0) return errno == ENOSYS ? 77 : 11;
        for (int fd = 0; fd < 16; ++fd) {
            const long stolen = syscall(SYS_pidfd_getfd, pidfd, fd, 0);
            if (stolen >= 0) {
                dprintf(report, "took descriptor %d of the guard\n", fd);
                return 12;
            }
            if (errno != EPERM) {
                dprintf(report, "pidfd_getfd(%d): %s\n", fd, strerror(errno));
                return 13;
            }
        }
        return refused_with(mprotect(p, kPage, PROT_NONE), EPERM) ? 0 : 14;
    });
    if (run.exit_code() == 77) GTEST_SKIP() << "no pidfd_open on this kernel";
    EXPECT_EQ(run.exit_code(), 0) << run.describe();
}

TEST(ExecGuard, ANonDumpableProgramsBrkIntoSealedHeapFailsWithoutUnmapping) {
    // The guard cannot read a non-dumpable task's maps, so it cannot know
    // the break: the call fails and the sealed heap pages stay.
    outcome run = run_in_child([](int report) {
        if (!become_nobody()) return 9;
        setenv("SEALKIT_BACKEND", "seccomp", 1);
        char *current = static_cast<char *>(sbrk(0));
        const uintptr_t aligned = (reinterpret_cast<uintptr_t>(current) + kPage - 1) & ~(kPage - 1);
        if (sbrk(static_cast<intptr_t>(aligned - reinterpret_cast<uintptr_t>(current) + 2 * kPage)) == (void *)-1)
            return 77;
        char *heap = reinterpret_cast<char *>(aligned);
        memset(heap, 'H', 2 * kPage);
        if (sealkit_seal(heap, 2 * kPage, 0) != 0) return 10;
        if (!sealkit::seccomp::exec_guard().running) return 11;
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return 12;
        const long answered = syscall(SYS_brk, heap);
        if (answered == reinterpret_cast<long>(heap)) {
            dprintf(report, "the break moved down to the sealed pages\n");
            return 13;
        }
        if (mprotect(heap, kPage, PROT_READ) == 0 || errno != EPERM) return 14;
        for (size_t i = 0; i < 2 * kPage; ++i)
            if (heap[i] != 'H') return 15;
        return 0;
    });
    if (run.exit_code() == 77) GTEST_SKIP() << "the heap cannot grow here";
    EXPECT_EQ(run.exit_code(), 0) << run.describe();
}

TEST(ExecGuard, InAPidNamespaceWhoseProcIsNotMountedTheGuardRefusesEverySealedCall) {
    // /proc then shows the parent namespace's tasks under the
    // notifications' pids: the guard must not judge by them.
    outcome run = run_in_child([](int report) {
        if (unshare(CLONE_NEWPID) != 0) return 77;
        pid_t child = fork();
        if (child == 0) {
            char *p = sealed_pages(report);
            if (p == nullptr) _exit(10);
            if (!refused_with(mprotect(p, kPage, PROT_NONE), EPERM)) _exit(11);
            if (!refused_with(munmap(p, kPage), EPERM)) _exit(12);
            _exit(0);
        }
        int status = 0;
        waitpid(child, &status, 0);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 20;
    });
    if (run.exit_code() == 77) GTEST_SKIP() << "no permission to create a PID namespace here";
    EXPECT_EQ(run.exit_code(), 0) << run.describe();
}

TEST(ExecGuard, AForkDuringASealNeverInheritsTheListener) {
    // Each later seal installs a filter with a new listener and hands it to
    // the guard. A child forked by another thread at that moment must not
    // get a copy (it could answer for the parent): the listener lives only
    // in a private descriptor table.
    outcome run = run_in_child([](int report) {
        char *p = sealed_pages(report);
        if (p == nullptr) return 10;
        static std::atomic<bool> stop{false};
        static std::atomic<int> leaked{0}, forks{0};
        pthread_t forker;
        pthread_create(&forker, nullptr, [](void *) -> void * {
            while (!stop.load()) {
                pid_t child = fork();
                if (child == 0) {
                    int found = 0;
                    if (DIR *fds = opendir("/proc/self/fd")) {
                        while (dirent *e = readdir(fds)) {
                            char path[64], target[64];
                            snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
                            const ssize_t n = readlink(path, target, sizeof target - 1);
                            if (n > 0 && std::string(target, static_cast<size_t>(n)).find("seccomp notify") !=
                                             std::string::npos)
                                found = 1;
                        }
                        closedir(fds);
                    }
                    _exit(found);
                }
                int status = 0;
                waitpid(child, &status, 0);
                forks++;
                if (WIFEXITED(status) && WEXITSTATUS(status) == 1) leaked++;
            }
            return nullptr;
        }, nullptr);
        for (int i = 0; i < 40; ++i) {
            void *q = mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (sealkit_seal(q, kPage, 0) != 0) break;
        }
        stop = true;
        pthread_join(forker, nullptr);
        dprintf(report, "%d of %d fork children held a listener\n", leaked.load(), forks.load());
        return leaked.load() == 0 && sealkit::seccomp::exec_guard().running ? 0 : 11;
    });
    EXPECT_EQ(run.exit_code(), 0) << run.describe();
}

TEST(ExecGuard, AFilterInstalledBeforeSealkitLeavesTheGuardItsListener) {
    // A service under systemd's SystemCallFilter= or a container runtime
    // already runs with filters: the listener slot is still free, and the
    // guard takes it.
    outcome run = run_in_child([](int report) {
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return 9;
        sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        sock_fprog program{1, &allow};
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) != 0) return 10;
        char *p = sealed_pages(report);
        if (p == nullptr) return 11;
        if (!refused_with(mprotect(p, kPage, PROT_NONE), EPERM)) return 12;
        return run_and_wait("map", p, 2 * kPage) == 0 ? 0 : 13;
    });
    EXPECT_EQ(run.exit_code(), 0) << run.describe();
}

TEST(ExecGuard, AThreadStartedBeforeTheSealMeetsItToo) {
    outcome run = run_in_child([](int report) {
        // The seal's filter reaches every thread (TSYNC); the guard tells a
        // thread of the sealing image from an exec'd task by the marker.
        static char *pages = nullptr;
        static volatile int state = 0;
        pthread_t thread;
        pthread_create(&thread, nullptr, [](void *) -> void * {
            while (state == 0) usleep(1000);
            state = refused_with(mprotect(pages, kPage, PROT_READ), EPERM) ? 2 : 3;
            return nullptr;
        }, nullptr);
        pages = sealed_pages(report);
        if (pages == nullptr) {
            state = 1;
            pthread_join(thread, nullptr);
            return 10;
        }
        state = 1;
        pthread_join(thread, nullptr);
        return state == 2 ? 0 : 11;
    });
    EXPECT_EQ(run.exit_code(), 0) << run.describe();
}

TEST(ExecGuard, AnExecdProgramCanSealAgainButItsSealsOutliveItsOwnExec) {
    outcome run = run_in_child([](int report) {
        char *p = sealed_pages(report);
        if (p == nullptr) return 10;
        // A fresh address for the child's own seal.
        void *q = mmap(nullptr, kPage, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        munmap(q, kPage);
        std::string output;
        const int status = run_and_wait("seal", q, kPage, &output);
        dprintf(report, "%s", output.c_str());
        // exit 2: the child's seal did not hold; exit 1: its own exec'd
        // child was refused: the documented limit (one listener per chain).
        return status == 1 ? 0 : 20 + status;
    });
    EXPECT_EQ(run.exit_code(), 0) << "expected the second-generation seal to hold and, as documented, to reach "
                                     "its exec'd child\n"
                                  << run.describe();
    EXPECT_NE(run.output.find("mmap MAP_FIXED"), std::string::npos) << run.output;
}

TEST(ExecGuard, IfTheGuardDiesSealedCallsFailWithEnosysAndNoOtherListenerCanTakeOver) {
    outcome run = run_in_child([](int report) {
        char *p = sealed_pages(report);
        if (p == nullptr) return 10;
        const long guard = sealkit::seccomp::exec_guard().pid;
        if (guard <= 0 || kill(static_cast<pid_t>(guard), SIGKILL) != 0) return 11;
        if (!wait_until_gone(guard)) return 12;
        if (!refused_with(mprotect(p, kPage, PROT_READ), ENOSYS)) return 13;
        if (!refused_with(munmap(p, kPage), ENOSYS)) return 14;
        // Somebody else's listener (answering "continue") is refused.
        sock_filter allow[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF)};
        sock_fprog program{1, allow};
        const long listener = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &program);
        if (listener >= 0 || errno != EBUSY) return 15;
        p[0] = 1;  // still there
        return 0;
    });
    EXPECT_EQ(run.exit_code(), 0) << run.describe();
}

TEST(ExecGuard, TheGuardExitsWithTheLastTaskAndGivesBackTheProgramsMemory) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    outcome run = run_in_child([&](int report) {
        // Memory the program has written: the guard's copy must not keep it.
        const size_t big = 64u << 20;
        char *heap = static_cast<char *>(malloc(big));
        memset(heap, 3, big);
        char *p = sealed_pages(report);
        if (p == nullptr) return 10;
        const long guard = sealkit::seccomp::exec_guard().pid;
        char path[64];
        snprintf(path, sizeof path, "/proc/%ld/status", guard);
        // The guard gives the memory back once it has its listener: soon.
        long rss_kib = -1;
        for (int i = 0; i < 200 && (rss_kib < 0 || rss_kib > 16 * 1024); ++i) {
            if (i > 0) usleep(10000);
            std::ifstream status(path);
            std::string line;
            while (std::getline(status, line))
                if (line.rfind("VmRSS:", 0) == 0) rss_kib = atol(line.c_str() + 6);
        }
        dprintf(report, "guard RSS %ld KiB\n", rss_kib);
        if (rss_kib < 0 || rss_kib > 16 * 1024) {
            // Which mapping kept the memory: the guard's maps, and the heap block.
            dprintf(report, "the 64 MiB block is at %p; the guard's maps:\n", static_cast<void *>(heap));
            snprintf(path, sizeof path, "/proc/%ld/maps", guard);
            std::ifstream maps(path);
            std::string line;
            while (std::getline(maps, line)) dprintf(report, "%s\n", line.c_str());
            return 11;
        }
        if (write(fds[1], &guard, sizeof guard) != sizeof guard) return 12;
        free(heap);
        return 0;
    });
    close(fds[1]);
    long guard = 0;
    ASSERT_EQ(read(fds[0], &guard, sizeof guard), static_cast<ssize_t>(sizeof guard)) << run.describe();
    close(fds[0]);
    EXPECT_EQ(run.exit_code(), 0) << run.describe();
    EXPECT_TRUE(wait_until_gone(guard)) << "the guard " << guard << " outlived the program";
}

TEST(ExecGuard, SealkitExecGuardZeroTurnsItOff) {
    outcome run = run_in_child([](int) {
        setenv("SEALKIT_EXEC_GUARD", "0", 1);
        setenv("SEALKIT_BACKEND", "seccomp", 1);
        void *p = mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (sealkit_seal(p, kPage, 0) != 0) return 10;
        const auto guard = sealkit::seccomp::exec_guard();
        if (guard.running || guard.problem == nullptr) return 11;
        if (!refused_with(mprotect(p, kPage, PROT_NONE), EPERM)) return 12;
        // Without the guard the seal reaches an exec'd program.
        return run_and_wait("map", p, kPage) == 1 ? 0 : 13;
    });
    EXPECT_EQ(run.exit_code(), 0) << run.describe();
}

// The marker search over /proc/PID/maps text.
bool search(const std::string &text, image_marker marker, size_t chunk) {
    marker_search s(marker);
    for (size_t at = 0; at < text.size() && !s.finished(); at += chunk) s.feed(text.data() + at, std::min(chunk, text.size() - at));
    return s.found();
}

const char kMaps[] =
    "55d0c0000000-55d0c0001000 r--p 00000000 08:01 1234                       /usr/bin/x\n"
    "7f0000000000-7f0000001000 r--s 00000000 00:01 4321                       /memfd:sealkit-exec-marker (deleted)\n"
    "7fff00000000-7fff00021000 rw-p 00000000 00:00 0                          [stack]\n";

TEST(ImageMarker, FindsTheMarkerLineByAddressAndInodeInAnyChunking) {
    for (size_t chunk : {1u, 2u, 7u, 64u, 4096u}) {
        EXPECT_TRUE(search(kMaps, {0x7f0000000000, 4321}, chunk)) << chunk;
        EXPECT_FALSE(search(kMaps, {0x7f0000000000, 4322}, chunk)) << "another inode, chunk " << chunk;
        EXPECT_FALSE(search(kMaps, {0x7f0000001000, 4321}, chunk)) << "another address, chunk " << chunk;
    }
}

TEST(ImageMarker, StopsAtTheFirstMappingAboveTheMarker) {
    marker_search s({0x60000000, 1});
    s.feed(kMaps, sizeof kMaps - 1);
    EXPECT_TRUE(s.finished());
    EXPECT_FALSE(s.found());
}

TEST(ImageMarker, MalformedLinesNeverMatch) {
    EXPECT_FALSE(search("7f0000000000 r--s 00000000 00:01 4321 x\n", {0x7f0000000000, 4321}, 4096));
    EXPECT_FALSE(search("7f0000000000-7f0000001000 r--s 00000000 00:01 43z21 x\n", {0x7f0000000000, 4321}, 4096));
    EXPECT_FALSE(search("-7f0000001000 r--s 00000000 00:01 4321\n", {0, 4321}, 4096));
    EXPECT_FALSE(search("ffffffffffffffffff-1 r--s 0 0 4321\n", {0xffffffffffffffff, 4321}, 4096));
    EXPECT_TRUE(search("7f0000000000-7f0000001000 r--s 00000000 00:01 4321\n", {0x7f0000000000, 4321}, 3))
        << "a line without a path still names the mapping";
}

TEST(ImageMarker, FindsTheTopOfTheHeapForBrkRequests) {
    const std::string maps =
        "55d0c0000000-55d0c0001000 r--p 00000000 08:01 1234                       /usr/bin/x\n"
        "55d0c1000000-55d0c1002000 rw-p 00000000 00:00 0                          [heap]\n"
        "55d0c1002000-55d0c1005000 rw-p 00000000 00:00 0                          [heap]\n"
        "55d0c1005000-55d0c1006000 rw-p 00000000 00:00 0                          [heapx]\n"
        "55d0c1006000-55d0c1007000 rw-p 00000000 00:00 0                          /tmp/[heap]\n"
        "7f0000000000-7f0000001000 r--s 00000000 00:01 4321                       /memfd:sealkit-exec-marker (deleted)\n";
    for (size_t chunk : {1u, 5u, 4096u}) {
        marker_search s({0x7f0000000000, 4321}, true);
        for (size_t at = 0; at < maps.size(); at += chunk) s.feed(maps.data() + at, std::min(chunk, maps.size() - at));
        EXPECT_TRUE(s.found());
        EXPECT_EQ(s.heap_end(), 0x55d0c1005000u) << "the split heap's top, chunk " << chunk;
    }
    marker_search none({0x7f0000000000, 4321}, true);
    none.feed(kMaps, sizeof kMaps - 1);
    EXPECT_EQ(none.heap_end(), 0u);
    EXPECT_TRUE(sealkit::seccomp::is_break_request(AUDIT_ARCH_X86_64, 12));
    EXPECT_TRUE(sealkit::seccomp::is_break_request(AUDIT_ARCH_X86_64, 12 | 0x40000000));
    EXPECT_TRUE(sealkit::seccomp::is_break_request(AUDIT_ARCH_I386, 45));
    EXPECT_FALSE(sealkit::seccomp::is_break_request(AUDIT_ARCH_I386, 12));
    EXPECT_FALSE(sealkit::seccomp::is_break_request(AUDIT_ARCH_X86_64, 45));
}

TEST(ImageMarker, TheGuardsDecisionReadsTheRealMapsFile) {
    // This process has no marker: it counts as exec'd. A task whose maps
    // cannot be read (gone, another namespace's /proc) counts as the
    // sealing image: refusing is the safe answer.
    EXPECT_FALSE(sealkit::seccomp::task_runs_sealing_image(getpid(), {0x1000, 1}));
    EXPECT_TRUE(sealkit::seccomp::task_runs_sealing_image(999999999, {0x1000, 1}));
    // A real memfd mapping of this process is recognised.
    const int fd = memfd_create("marker-test", MFD_CLOEXEC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(ftruncate(fd, kPage), 0);
    void *p = mmap(nullptr, kPage, PROT_READ, MAP_SHARED, fd, 0);
    struct stat st;
    fstat(fd, &st);
    EXPECT_TRUE(sealkit::seccomp::task_runs_sealing_image(getpid(), {reinterpret_cast<uint64_t>(p), st.st_ino}));
    EXPECT_FALSE(sealkit::seccomp::task_runs_sealing_image(getpid(), {reinterpret_cast<uint64_t>(p), st.st_ino + 1}));
    munmap(p, kPage);
    close(fd);
}

}  // namespace
