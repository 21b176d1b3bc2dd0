// The seccomp backend's real limits, found by trying in fresh processes
// (filters are permanent): the kernel refuses a filter chain longer than
// 32,768 instructions in all (MAX_INSNS_PER_PATH, counting 4 more per
// filter), so both limits below come from there.
//   BM_MostRangesInOneCall:  the largest N for which one
//       seccomp::enforce() of N disjoint one-page ranges of one mapping
//       succeeds: a binary search over N, one forked child per try (target
//       at least 5,000). upper_half and lower_half: one page in every 64,
//       each range a search leaf of its own, the worst case; packed: every
//       other page, 16 ranges to a 32-page bitmap check.
//   BM_MostSealCalls:        how many separate sealkit_seal() calls, each
//       on its own page and so each one filter, one process can make with
//       SEALKIT_BACKEND=seccomp before one fails (ENOMEM: the chain is full).
//   BM_AdjacentRangesCoalesce: 100,000 touching one-page ranges in one
//       call become one range (filters and instructions show it).
//   BM_KernelCountsEbpf: the kernel fact behind both limits, shown without
//       sealkit: how many filters of 1,000 comparisons (and a return) fit
//       in one chain when the comparisons have one or two jump targets and
//       a constant below or at 2^31. If the kernel counted classic
//       instructions, every variant would give 32.
// Each reports counters (ranges, filters, instructions, errno); the time
// is meaningless. One iteration each: the answer does not vary.
//
//   build/bin/seccomp_limits_bench
#include <benchmark/benchmark.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sealkit/sealkit.h"
#include "seccomp/seal_enforcer.h"

namespace {

namespace seccomp = sealkit::seccomp;

struct outcome {
    long error = 0;  // 0 or -errno of what was tried
    size_t count = 0;
    size_t filters = 0;
    size_t instructions = 0;
    bool ran = false;  // false: the child died
};

outcome with_statistics(long error, size_t count) {
    const seccomp::enforcement_statistics s = seccomp::statistics();
    return {error, count, s.filters, s.instructions, true};
}

// Runs try_it in a forked child and returns what it reported.
template <typename function>
outcome in_child(function try_it) {
    int channel[2];
    if (pipe(channel) != 0) return {};
    const pid_t pid = fork();
    if (pid < 0) return {};
    if (pid == 0) {
        close(channel[0]);
        const outcome result = try_it();
        (void)!write(channel[1], &result, sizeof result);
        _exit(0);
    }
    close(channel[1]);
    outcome result;
    if (read(channel[0], &result, sizeof result) != static_cast<ssize_t>(sizeof result)) result = {};
    close(channel[0]);
    waitpid(pid, nullptr, 0);
    return result;
}

const size_t kPage = static_cast<size_t>(sysconf(_SC_PAGESIZE));

// Where the sealed pages go. The kernel converts the filter to eBPF before
// it counts the chain's instructions, and a comparison with a constant at
// or above 2^31 becomes two eBPF instructions (eBPF immediates are signed):
// so the same ranges cost more in the upper half of a 4 GiB window (low 32
// bits 0x80000000 and up) than in the lower. Fixed addresses make the
// answer the same in every run; the upper half is the limit to rely on.
constexpr uintptr_t kLowerHalf = 0x7e0000100000;
constexpr uintptr_t kUpperHalf = 0x7e0080000000;

// count one-page ranges, `stride` pages apart, in one fresh mapping at base.
seccomp::address_range *map_ranges(size_t count, size_t stride, uintptr_t base_address) {
    void *mapped = mmap(reinterpret_cast<void *>(base_address), stride * count * kPage, PROT_READ,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    void *list = mmap(nullptr, count * sizeof(seccomp::address_range), PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED || list == MAP_FAILED) return nullptr;
    const uint64_t base = reinterpret_cast<uintptr_t>(mapped);
    auto *ranges = static_cast<seccomp::address_range *>(list);
    for (size_t i = 0; i < count; ++i) ranges[i] = {base + stride * i * kPage, base + (stride * i + 1) * kPage};
    return ranges;
}

// Where the sealed ranges lie: one page in every 64 (scattered: no two in
// one 32-page block, each costs a search leaf, the limit to rely on), or
// every other page (packed: 16 to a block, one bitmap check each).
struct layout {
    uintptr_t base;
    size_t stride;
    size_t most;  // the largest count tried
};
constexpr layout kScatteredUpper{kUpperHalf, 64, 65536};
constexpr layout kScatteredLower{kLowerHalf, 64, 65536};
constexpr layout kPackedUpper{kUpperHalf, 2, 1u << 20};

outcome enforce_disjoint(size_t count, layout where) {
    return in_child([count, where] {
        seccomp::address_range *ranges = map_ranges(count, where.stride, where.base);
        if (ranges == nullptr) return outcome{-errno, count, 0, 0, true};
        return with_statistics(seccomp::enforce(ranges, count, seccomp::kSealEnforcement), count);
    });
}

void report(benchmark::State &state, const outcome &o) {
    state.counters["filters"] = static_cast<double>(o.filters);
    state.counters["instructions"] = static_cast<double>(o.instructions);
}

void BM_MostRangesInOneCall(benchmark::State &state, layout where) {
    for (auto _ : state) {
        // Largest success below the first failure: double, then bisect.
        size_t good = 0, bad = 0;
        outcome best, failure;
        for (size_t n = 1024; bad == 0 && n <= where.most; n *= 2) {
            outcome o = enforce_disjoint(n, where);
            if (!o.ran) {
                state.SkipWithError("a child died while enforcing");
                return;
            }
            if (o.error == 0) good = n, best = o;
            else bad = n, failure = o;
        }
        if (bad == 0) {
            state.counters["max_ranges"] = static_cast<double>(good);  // at least
            state.counters["errno_above"] = 0;
            report(state, best);
            continue;
        }
        while (bad - good > 1) {
            const size_t n = good + (bad - good) / 2;
            outcome o = enforce_disjoint(n, where);
            if (!o.ran) {
                state.SkipWithError("a child died while enforcing");
                return;
            }
            if (o.error == 0) good = n, best = o;
            else bad = n, failure = o;
        }
        state.counters["max_ranges"] = static_cast<double>(good);
        state.counters["errno_above"] = static_cast<double>(-failure.error);
        report(state, best);
    }
}

void BM_MostSealCalls(benchmark::State &state, uintptr_t base) {
    for (auto _ : state) {
        outcome o = in_child([base] {
            // Chosen here, in the child, before its first sealkit call.
            setenv("SEALKIT_BACKEND", "seccomp", 1);
            if (sealkit_backend() != SEALKIT_BACKEND_SECCOMP) return outcome{-ENOSYS, 0, 0, 0, true};
            constexpr size_t kMost = 10000;
            seccomp::address_range *ranges = map_ranges(kMost, 2, base);
            if (ranges == nullptr) return outcome{-errno, 0, 0, 0, true};
            for (size_t i = 0; i < kMost; ++i) {
                const seccomp::enforcement_statistics before = seccomp::statistics();
                if (sealkit_seal(reinterpret_cast<void *>(ranges[i].start), kPage, 0) != 0) {
                    const long error = -errno;
                    return outcome{error, i, before.filters, before.instructions, true};
                }
            }
            return with_statistics(0, kMost);
        });
        if (!o.ran || o.error == -ENOSYS) {
            state.SkipWithError(o.ran ? "the seccomp backend is not available" : "the child died");
            return;
        }
        state.counters["seal_calls"] = static_cast<double>(o.count);
        state.counters["errno_after"] = static_cast<double>(-o.error);
        report(state, o);
    }
}

void BM_AdjacentRangesCoalesce(benchmark::State &state) {
    for (auto _ : state) {
        constexpr size_t kCount = 100000;
        outcome o = in_child([] {
            seccomp::address_range *ranges = map_ranges(kCount, 1, kUpperHalf);
            if (ranges == nullptr) return outcome{-errno, kCount, 0, 0, true};
            return with_statistics(seccomp::enforce(ranges, kCount, seccomp::kSealEnforcement), kCount);
        });
        if (!o.ran || o.error != 0) {
            state.SkipWithError("enforcing 100,000 adjacent ranges failed");
            return;
        }
        state.counters["ranges"] = static_cast<double>(kCount);
        report(state, o);
    }
}

// Filters of 1,000 "jeq constant" and a return, installed until the chain
// is full.
size_t filters_that_fit(uint32_t constant, bool two_targets) {
    outcome o = in_child([constant, two_targets] {
        static sock_filter program[1001];
        for (int i = 0; i < 1000; ++i) {
            const uint8_t skip = two_targets && i < 999 ? 1 : 0;  // both to the instruction after next
            program[i] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, constant, skip, skip);
        }
        program[1000] = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        sock_fprog fprog{1001, program};
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return outcome{-errno, 0, 0, 0, true};
        size_t n = 0;
        while (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) == 0) ++n;
        return outcome{-errno, n, 0, 0, true};
    });
    return o.ran ? o.count : 0;
}

void BM_KernelCountsEbpf(benchmark::State &state) {
    for (auto _ : state) {
        state.counters["one_target_below_2_31"] = static_cast<double>(filters_that_fit(0x7fffffff, false));
        state.counters["two_targets_below_2_31"] = static_cast<double>(filters_that_fit(0x7fffffff, true));
        state.counters["one_target_at_2_31"] = static_cast<double>(filters_that_fit(0x80000000, false));
        state.counters["two_targets_at_2_31"] = static_cast<double>(filters_that_fit(0x80000000, true));
    }
}

}  // namespace

BENCHMARK_CAPTURE(BM_MostRangesInOneCall, upper_half, kScatteredUpper)->Iterations(1);
BENCHMARK_CAPTURE(BM_MostRangesInOneCall, lower_half, kScatteredLower)->Iterations(1);
BENCHMARK_CAPTURE(BM_MostRangesInOneCall, packed_upper_half, kPackedUpper)->Iterations(1);
BENCHMARK_CAPTURE(BM_MostSealCalls, upper_half, kUpperHalf)->Iterations(1);
BENCHMARK_CAPTURE(BM_MostSealCalls, lower_half, kLowerHalf)->Iterations(1);
BENCHMARK(BM_AdjacentRangesCoalesce)->Iterations(1);
BENCHMARK(BM_KernelCountsEbpf)->Iterations(1);
BENCHMARK_MAIN();
