// sealkit_seal() against the raw mseal system call, on fresh pages and on
// pages that are already sealed. scripts/bench runs this program several
// times (fresh processes: sealed pages can never be unmapped, so every
// process eventually runs out of vm.max_map_count) and prints the ratios.
//
// Fresh page: every iteration seals a page nobody has sealed yet (sealing a
// sealed page again is a cheaper path in the kernel). Pages come from a
// pool mapped before the timed loop, in one of two shapes:
//   isolated:   each page is its own VMA (neighbours have another
//               protection), so the seal neither splits nor merges;
//   sequential: pages walked in order through one big mapping, so each seal
//               splits the page off the unsealed rest and merges it into the
//               sealed run before it (the VMA count stays constant).
// Paired benchmarks alternate the two calls inside every iteration (and
// which one goes first), timing each with CLOCK_MONOTONIC, so drift on these
// noisy virtual machines hits both equally; they report the median single
// call as raw_ns and sealkit_ns, and the ratio of those medians. The unpaired benchmarks time each call alone and are
// interleaved at random between repetitions by scripts/bench.
#include <benchmark/benchmark.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "sealkit/sealkit.h"

namespace {

constexpr long kMseal = 462;
// Iterations per repetition of the fresh-page benchmarks: each consumes
// this many pages (isolated: this many VMAs, kept for the process's life).
// One repetition of every benchmark here uses 12,000 VMAs (2,000 + 2,000
// unpaired, 4,000 paired, 4,000 control), so with vm.max_map_count at
// 65,530 a process can run at most 5 repetitions: scripts/bench runs 4.
constexpr int64_t kFreshIterations = 2000;

size_t page_size() { return static_cast<size_t>(sysconf(_SC_PAGESIZE)); }

inline long raw_seal(void *page) { return syscall(kMseal, page, page_size(), 0); }
inline long sealkit(void *page) { return sealkit_seal(page, page_size(), 0); }

enum class shape { isolated, sequential };

// count pages of anonymous memory, never touched (the seal does not fault
// pages in), in the given shape.
char *map_pool(size_t count, shape s) {
    size_t bytes = count * page_size();
    void *p = mmap(nullptr, bytes, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return nullptr;
    char *base = static_cast<char *>(p);
    if (s == shape::isolated) {
        for (size_t i = 1; i < count; i += 2)
            if (mprotect(base + i * page_size(), page_size(), PROT_READ | PROT_WRITE) != 0) return nullptr;
    }
    return base;
}

// Why a pool could not be made: ENOMEM here nearly always means the
// process has used up vm.max_map_count with sealed single-page VMAs.
const char *pool_error() {
    return errno == ENOMEM ? "out of VMAs (vm.max_map_count): run fewer --benchmark_repetitions per process"
                           : strerror(errno);
}

inline int64_t now_ns() {
    timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return static_cast<int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

using seal_function = long (*)(void *);

void BM_SealFreshPage(benchmark::State &state, seal_function Seal, shape s) {
    size_t count = static_cast<size_t>(state.max_iterations);
    char *pool = map_pool(count, s);
    if (pool == nullptr) {
        state.SkipWithError(pool_error());
        return;
    }
    size_t next = 0;
    for (auto _ : state) {
        long result = Seal(pool + next * page_size());
        if (result != 0) {
            state.SkipWithError(strerror(errno));
            break;
        }
        ++next;
    }
}

void BM_SealSealedPage(benchmark::State &state, seal_function Seal) {
    char *page = map_pool(1, shape::sequential);
    if (page == nullptr || raw_seal(page) != 0) {
        state.SkipWithError(strerror(errno));
        return;
    }
    for (auto _ : state) {
        if (Seal(page) != 0) {
            state.SkipWithError(strerror(errno));
            break;
        }
    }
}

int64_t median(std::vector<int64_t> &values) {
    if (values.empty()) return 0;
    auto middle = values.begin() + static_cast<long>(values.size() / 2);
    std::nth_element(values.begin(), middle, values.end());
    return *middle;
}

// Both calls in every iteration, each timed on its own. Which call goes
// first alternates every iteration and which of the two fresh pages each
// call gets (they differ: neighbours, protection) every other iteration, so
// neither order nor page position favours one side. The counters are the
// medians of the single calls (robust to the preemptions of a loaded VM)
// and their ratio second/first. fresh: each call gets its own new page;
// otherwise both re-seal their own sealed page.
void paired(benchmark::State &state, seal_function first, seal_function second, shape s, bool fresh) {
    size_t iterations = static_cast<size_t>(state.max_iterations);
    size_t count = fresh ? 2 * iterations : 2;
    char *pool = map_pool(count, s);
    if (pool == nullptr) {
        state.SkipWithError(pool_error());
        return;
    }
    if (!fresh && (raw_seal(pool) != 0 || raw_seal(pool + page_size()) != 0)) {
        state.SkipWithError(strerror(errno));
        return;
    }
    std::vector<int64_t> first_ns(iterations), second_ns(iterations);
    size_t i = 0;
    for (auto _ : state) {
        // Fresh sequential pages: the two calls take turns walking the same
        // run, so both see the same split-and-merge.
        size_t swap = (i / 2) % 2;
        char *a = pool + (fresh ? 2 * i + swap : swap) * page_size();
        char *b = pool + (fresh ? 2 * i + 1 - swap : 1 - swap) * page_size();
        bool first_first = i % 2 == 0;
        long ra = 0, rb = 0;
        int64_t t0 = now_ns();
        if (first_first) ra = first(a);
        else rb = second(b);
        int64_t t1 = now_ns();
        if (first_first) rb = second(b);
        else ra = first(a);
        int64_t t2 = now_ns();
        first_ns[i] = first_first ? t1 - t0 : t2 - t1;
        second_ns[i] = first_first ? t2 - t1 : t1 - t0;
        state.SetIterationTime(static_cast<double>(t2 - t0) * 1e-9);
        if (ra != 0 || rb != 0) {
            state.SkipWithError(strerror(errno));
            break;
        }
        ++i;
    }
    first_ns.resize(i);
    second_ns.resize(i);
    int64_t x = median(first_ns), y = median(second_ns);
    state.counters["raw_ns"] = static_cast<double>(x);
    state.counters["sealkit_ns"] = static_cast<double>(y);
    state.counters["ratio"] = x ? static_cast<double>(y) / static_cast<double>(x) : 0;
}

// raw_ns is the raw system call, sealkit_ns sealkit_seal().
void BM_SealFreshPagePaired(benchmark::State &state, shape s) { paired(state, raw_seal, sealkit, s, true); }
void BM_SealSealedPagePaired(benchmark::State &state) { paired(state, raw_seal, sealkit, shape::sequential, false); }
// The control: the raw call against itself ("sealkit_ns" is a second raw
// call). Its ratio shows how far from 1.00 the method itself lands.
void BM_SealFreshPagePairedControl(benchmark::State &state, shape s) { paired(state, raw_seal, raw_seal, s, true); }

}  // namespace

BENCHMARK_CAPTURE(BM_SealFreshPage, raw_isolated, raw_seal, shape::isolated)->Iterations(kFreshIterations);
BENCHMARK_CAPTURE(BM_SealFreshPage, sealkit_isolated, sealkit, shape::isolated)->Iterations(kFreshIterations);
BENCHMARK_CAPTURE(BM_SealFreshPage, raw_sequential, raw_seal, shape::sequential)
    ->Iterations(4 * kFreshIterations);
BENCHMARK_CAPTURE(BM_SealFreshPage, sealkit_sequential, sealkit, shape::sequential)
    ->Iterations(4 * kFreshIterations);
BENCHMARK_CAPTURE(BM_SealFreshPagePaired, isolated, shape::isolated)->Iterations(kFreshIterations)->UseManualTime();
BENCHMARK_CAPTURE(BM_SealFreshPagePaired, sequential, shape::sequential)
    ->Iterations(4 * kFreshIterations)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_SealSealedPage, raw, raw_seal)->Iterations(20000);
BENCHMARK_CAPTURE(BM_SealSealedPage, sealkit, sealkit)->Iterations(20000);
BENCHMARK(BM_SealSealedPagePaired)->Iterations(20000)->UseManualTime();
BENCHMARK_CAPTURE(BM_SealFreshPagePairedControl, isolated_raw_vs_raw, shape::isolated)
    ->Iterations(kFreshIterations)
    ->UseManualTime();

int main(int argc, char **argv) {
    // Choose the backend before anything is timed, and refuse to compare
    // anything but the kernel backend with the raw call.
    if (sealkit_backend() != SEALKIT_BACKEND_KERNEL) {
        fprintf(stderr, "seal_bench: sealkit backend is %s (%s); need the kernel's mseal\n", sealkit_backend_name(),
                sealkit_backend_reason());
        return 1;
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
