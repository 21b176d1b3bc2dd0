#include "seccomp_worker.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "seccomp/seal_enforcer.h"

namespace sealkit::bench {
namespace {

constexpr uintptr_t kSealedBase = 0x7e0080000000;

struct request {
    operation op;
    int count;  // 0: stop
};

struct ready_message {
    long error;  // 0 or -errno from the setup
    size_t filters;
    size_t instructions;
};

bool write_all(int fd, const void *data, size_t size) {
    const char *p = static_cast<const char *>(data);
    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

bool read_all(int fd, void *data, size_t size) {
    char *p = static_cast<char *>(data);
    while (size > 0) {
        ssize_t n = read(fd, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

int64_t now_ns() {
    timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return static_cast<int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

// One page in every `stride` of a fresh mapping of stride * count pages,
// sealed in one call (or only mapped, the twin the calls between sealed
// ranges are compared with): stride 2 packs 16 ranges into each 32-page block
// (one bitmap check for the compiler), stride 64 gives every range a
// block and a search leaf of its own. The mapping starts at kSealedBase,
// whose low 32 bits are 0x80000000: the upper half of a 4 GiB window,
// where the compiler searches relative to 2^31 (see
// seccomp_limits_bench.cpp), and the same in every run.
long map_disjoint_ranges(size_t count, size_t stride, bool seal) {
    if (count == 0) return 0;
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    void *mapped = mmap(reinterpret_cast<void *>(kSealedBase), stride * count * page, PROT_READ,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (mapped == MAP_FAILED) return -errno;
    if (!seal) return 0;
    const uint64_t base = reinterpret_cast<uintptr_t>(mapped);
    void *list = mmap(nullptr, count * sizeof(seccomp::address_range), PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (list == MAP_FAILED) return -errno;
    auto *ranges = static_cast<seccomp::address_range *>(list);
    for (size_t i = 0; i < count; ++i) ranges[i] = {base + stride * i * page, base + (stride * i + 1) * page};
    const long result = seccomp::enforce(ranges, count, seccomp::kSealEnforcement);
    munmap(list, count * sizeof(seccomp::address_range));
    return result;
}

// A filter of one instruction, SECCOMP_RET_ALLOW, as any program could
// install: no range, no check, only the kernel's handling of a task that has
// a filter.
long install_allow_all_filter() {
    struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    struct sock_fprog program = {1, &allow};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -errno;
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) return -errno;
    return 0;
}

// `count` filters of two instructions each, "A = the first argument;
// SECCOMP_RET_ALLOW": reading an argument keeps the kernel's action cache
// from skipping them, so every one runs for every system call, and they
// check nothing: what the kernel charges per filter in a chain.
long install_empty_filters(size_t count) {
    struct sock_filter program_text[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog program = {2, program_text};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -errno;
    for (size_t i = 0; i < count; ++i)
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) return -errno;
    return 0;
}

// The child: set up, say so, then answer requests until told to stop or
// the parent goes away.
[[noreturn]] void serve(size_t ranges, size_t stride, bool seal, bool allow_all, size_t empty_filters, int in,
                        int out) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    void *probe = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ready_message ready{probe == MAP_FAILED ? -errno
                        : allow_all         ? install_allow_all_filter()
                        : empty_filters > 0 ? install_empty_filters(empty_filters)
                                            : map_disjoint_ranges(ranges, stride, seal),
                        0, 0};
    const seccomp::enforcement_statistics statistics = seccomp::statistics();
    ready.filters = statistics.filters;
    ready.instructions = statistics.instructions;
    if (!write_all(out, &ready, sizeof ready) || ready.error != 0) _exit(1);
    // The unsealed page after the middle range, between two sealed ones.
    void *between = ranges == 0 ? nullptr : reinterpret_cast<void *>(kSealedBase + (stride * (ranges / 2) + 1) * page);
    request r;
    while (read_all(in, &r, sizeof r) && r.count > 0) {
        bool ok = true;
        const int64_t start = now_ns();
        switch (r.op) {
        case operation::getpid:
            for (int i = 0; i < r.count; ++i) syscall(SYS_getpid);
            break;
        case operation::mprotect_unsealed:
            for (int i = 0; i < r.count; ++i) ok &= mprotect(probe, page, PROT_READ | PROT_WRITE) == 0;
            break;
        case operation::mprotect_between:
            for (int i = 0; i < r.count; ++i) ok &= between != nullptr && mprotect(between, page, PROT_READ) == 0;
            break;
        case operation::map_unmap:
            for (int i = 0; i < r.count; ++i) {
                void *p = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                ok &= p != MAP_FAILED && munmap(p, page) == 0;
            }
            break;
        }
        const int64_t elapsed = ok ? now_ns() - start : -1;
        if (!write_all(out, &elapsed, sizeof elapsed)) break;
    }
    _exit(0);
}

}  // namespace

bool seccomp_worker::start_unsealed(size_t ranges, size_t stride) {
    seal_ = false;
    return start(ranges, stride);
}

bool seccomp_worker::start(size_t ranges, size_t stride) {
    ranges_ = ranges;
    stride_ = stride;
    int down[2], up[2];
    if (pipe2(down, O_CLOEXEC) != 0 || pipe2(up, O_CLOEXEC) != 0) {
        snprintf(error_, sizeof error_, "pipe: %s", strerror(errno));
        return false;
    }
    pid_ = fork();
    if (pid_ < 0) {
        snprintf(error_, sizeof error_, "fork: %s", strerror(errno));
        return false;
    }
    if (pid_ == 0) {
        close(down[1]);
        close(up[0]);
        serve(ranges, stride, seal_, allow_all_, empty_filters_, down[0], up[1]);
    }
    close(down[0]);
    close(up[1]);
    to_child_ = down[1];
    from_child_ = up[0];
    ready_message ready{};
    if (!read_all(from_child_, &ready, sizeof ready)) {
        snprintf(error_, sizeof error_, "the worker for %zu ranges died while starting", ranges);
        stop();
        return false;
    }
    if (ready.error != 0) {
        snprintf(error_, sizeof error_, "mapping and sealing %zu ranges (seccomp::enforce) failed: %s", ranges,
                 strerror(static_cast<int>(-ready.error)));
        stop();
        return false;
    }
    filters_ = ready.filters;
    instructions_ = ready.instructions;
    return true;
}

bool seccomp_worker::start_with_allow_all_filter() {
    allow_all_ = true;
    return start(0);
}

bool seccomp_worker::start_with_empty_filters(size_t count) {
    empty_filters_ = count;
    return start(0);
}

int64_t seccomp_worker::time(operation op, int count) {
    const request r{op, count};
    int64_t elapsed = -1;
    if (!write_all(to_child_, &r, sizeof r) || !read_all(from_child_, &elapsed, sizeof elapsed)) return -1;
    return elapsed;
}

void seccomp_worker::stop() {
    if (to_child_ >= 0) close(to_child_);
    if (from_child_ >= 0) close(from_child_);
    to_child_ = from_child_ = -1;
    // Later children inherited this child's pipe ends, so closing ours
    // need not end it.
    if (pid_ > 0) kill(pid_, SIGKILL);
    if (pid_ > 0) waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

}  // namespace sealkit::bench
