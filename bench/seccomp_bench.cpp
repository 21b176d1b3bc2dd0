// What the seccomp backend costs the system calls of a process with N
// sealed ranges (N = 10, 100, 1,000, 2,000, 5,000), packed (every other
// page: `ranges:N`) and scattered (one per 64 pages: `scattered:N`), against
// the same calls in a process with no filter at all, measured side by side:
//   getpid:            no memory argument, so the filter's constant ALLOW
//                      lets the kernel's action cache skip it (target 1.03
//                      at 1,000 ranges);
//   mprotect_unsealed: mprotect of an unsealed page to the protection it
//                      already has, which runs the range check (target
//                      1.5x at 1,000, growth no faster than log N);
//   map_unmap:         mmap of one anonymous page and its munmap (the same);
//   mprotect_between:  mprotect of an unsealed page between two sealed ranges
//                      (the middle ones) to the protection it has, against
//                      the same call in a child with the same mapping and
//                      nothing sealed: a call near sealed memory, as most
//                      are in a process whose libraries are sealed, where
//                      the search goes deepest.
// Filters are permanent, so each configuration lives in a forked child
// (seccomp_worker.h) started before anything is timed. Every iteration asks
// the no-filter child and the N-range child for one batch each, taking
// turns at going first. The counters are the medians of the per-call times
// (base_ns, filtered_ns) and the median of the ratios of the two batches of
// each iteration (ratio): a batch slowed down by another process on this
// shared machine then spoils one ratio, not the figure. The control pairs two
// children without filters: how far from 1.00 the method itself lands; the
// floor pairs a child with a one-instruction allow-all filter: what having
// any seccomp filter costs a call here, which no filter of sealkit's can beat.
//
//   build/bin/seccomp_bench --benchmark_filter=getpid
//
// scripts/bench runs it and prints the ratios; docs/benchmarks.md records
// them. The limits (how many ranges, how many seal calls) are
// seccomp_limits_bench.
#include <benchmark/benchmark.h>
#include <stdio.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "seccomp_worker.h"

namespace {

using sealkit::bench::operation;
using sealkit::bench::seccomp_worker;

// Packed: every other page (16 ranges to a 32-page block, which the
// compiler checks as one bitmap). 2,000: between 1,000 and the 5,000.
constexpr size_t kRangeCounts[] = {10, 100, 1000, 2000, 5000};
// Scattered: one range in every 64 pages, each a search leaf of its own;
// 5,000 is just below the real limit of that layout (about 5,050 ranges in
// one call, see seccomp_limits_bench).
constexpr size_t kScatteredRangeCounts[] = {10, 100, 1000, 2000, 5000};
constexpr size_t kScatteredStride = 64;

struct operation_setup {
    operation op;
    const char *name;
    int batch;       // calls per request: long enough to dwarf the clock reads
    int iterations;  // requests to each child per repetition
};

constexpr operation_setup kOperations[] = {
    {operation::getpid, "getpid", 50, 2000},
    {operation::mprotect_unsealed, "mprotect_unsealed", 50, 1000},
    {operation::map_unmap, "map_unmap", 20, 1000},
};

double median(std::vector<double> values) {
    if (values.empty()) return 0;
    auto middle = values.begin() + static_cast<long>(values.size() / 2);
    std::nth_element(values.begin(), middle, values.end());
    return *middle;
}

void paired(benchmark::State &state, operation_setup setup, seccomp_worker *base, seccomp_worker *filtered) {
    std::vector<double> base_ns, filtered_ns, ratios;
    size_t i = 0;
    for (auto _ : state) {
        const bool base_first = i++ % 2 == 0;
        int64_t a, b;
        if (base_first) {
            a = base->time(setup.op, setup.batch);
            b = filtered->time(setup.op, setup.batch);
        } else {
            b = filtered->time(setup.op, setup.batch);
            a = base->time(setup.op, setup.batch);
        }
        if (a < 0 || b < 0) {
            state.SkipWithError("a system call failed in a worker, or a worker died");
            return;
        }
        base_ns.push_back(static_cast<double>(a) / setup.batch);
        filtered_ns.push_back(static_cast<double>(b) / setup.batch);
        ratios.push_back(a > 0 ? static_cast<double>(b) / static_cast<double>(a) : 0);
        state.SetIterationTime(static_cast<double>(b) * 1e-9);
    }
    const double x = median(base_ns), y = median(filtered_ns);
    state.counters["base_ns"] = x;
    state.counters["filtered_ns"] = y;
    state.counters["ratio"] = median(ratios);
    state.counters["ranges"] = static_cast<double>(filtered->ranges());
    state.counters["filters"] = static_cast<double>(filtered->filters());
    state.counters["instructions"] = static_cast<double>(filtered->instructions());
}

// A configuration that could not be set up (too many ranges for the
// filter chain) is reported as a failed benchmark, never left out.
void not_measured(benchmark::State &state, const seccomp_worker *w) {
    for (auto _ : state) state.SkipWithError(w->error());
}

}  // namespace

int main(int argc, char **argv) {
    // Every child is forked before Google Benchmark starts a thread.
    seccomp_worker none, control, allow_all;
    if (!none.start(0) || !control.start(0) || !allow_all.start_with_allow_all_filter()) {
        fprintf(stderr, "seccomp_bench: %s\n",
                *none.error() ? none.error() : *control.error() ? control.error() : allow_all.error());
        none.stop();
        control.stop();
        allow_all.stop();
        return 1;
    }
    // Chains of filters that check nothing, as long as sealkit's for 1,000
    // and 5,000 scattered ranges (2 and 8): the kernel's floor for those.
    constexpr size_t kEmptyChains[] = {2, 8};
    std::vector<std::unique_ptr<seccomp_worker>> empty;
    for (size_t count : kEmptyChains) {
        empty.push_back(std::make_unique<seccomp_worker>());
        if (!empty.back()->start_with_empty_filters(count))
            fprintf(stderr, "seccomp_bench: %s\n", empty.back()->error());
    }
    std::vector<std::unique_ptr<seccomp_worker>> sealed;
    std::vector<bool> started;
    auto start_sealed = [&](size_t count, size_t stride) {
        sealed.push_back(std::make_unique<seccomp_worker>());
        started.push_back(sealed.back()->start(count, stride));
        if (!started.back()) fprintf(stderr, "seccomp_bench: %s\n", sealed.back()->error());
    };
    for (size_t count : kRangeCounts) start_sealed(count, 2);
    for (size_t count : kScatteredRangeCounts) start_sealed(count, kScatteredStride);
    // The unsealed twins of some of them, for mprotect_between.
    struct twin {
        size_t count, stride;
        seccomp_worker *sealed = nullptr;
        std::unique_ptr<seccomp_worker> unsealed;
    };
    std::vector<twin> twins;
    for (size_t stride : {size_t{2}, kScatteredStride})
        for (size_t count : {size_t{1000}, size_t{5000}}) {
            twin t{count, stride};
            for (size_t i = 0; i < sealed.size(); ++i)
                if (started[i] && sealed[i]->ranges() == count && sealed[i]->stride() == stride)
                    t.sealed = sealed[i].get();
            t.unsealed = std::make_unique<seccomp_worker>();
            if (!t.unsealed->start_unsealed(count, stride)) {
                fprintf(stderr, "seccomp_bench: %s\n", t.unsealed->error());
                continue;
            }
            if (t.sealed != nullptr) twins.push_back(std::move(t));
            else t.unsealed->stop();
        }
    {
        const operation_setup setup{operation::mprotect_between, "mprotect_between", 50, 1000};
        for (const twin &t : twins) {
            const std::string name = std::string("BM_SeccompPaired/mprotect_between/") +
                                     (t.stride == kScatteredStride ? "scattered:" : "ranges:") + std::to_string(t.count);
            benchmark::RegisterBenchmark(name.c_str(), paired, setup, t.unsealed.get(), t.sealed)
                ->Iterations(setup.iterations)
                ->UseManualTime();
        }
    }
    for (const operation_setup &setup : kOperations) {
        const std::string prefix = std::string("BM_SeccompPaired/") + setup.name;
        benchmark::RegisterBenchmark((prefix + "/control").c_str(), paired, setup, &none, &control)
            ->Iterations(setup.iterations)
            ->UseManualTime();
        benchmark::RegisterBenchmark((prefix + "/allow_all_filter").c_str(), paired, setup, &none, &allow_all)
            ->Iterations(setup.iterations)
            ->UseManualTime();
        for (size_t i = 0; i < empty.size(); ++i) {
            const std::string name = prefix + "/empty_filters:" + std::to_string(kEmptyChains[i]);
            benchmark::RegisterBenchmark(name.c_str(), paired, setup, &none, empty[i].get())
                ->Iterations(setup.iterations)
                ->UseManualTime();
        }
        for (size_t i = 0; i < sealed.size(); ++i) {
            const char *layout = sealed[i]->stride() == kScatteredStride ? "/scattered:" : "/ranges:";
            const std::string name = prefix + layout + std::to_string(sealed[i]->ranges());
            if (started[i])
                benchmark::RegisterBenchmark(name.c_str(), paired, setup, &none, sealed[i].get())
                    ->Iterations(setup.iterations)
                    ->UseManualTime();
            else
                benchmark::RegisterBenchmark(name.c_str(), not_measured, sealed[i].get())->Iterations(1);
        }
    }
    benchmark::Initialize(&argc, argv);
    int status = 0;
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
        status = 1;
    } else {
        benchmark::RunSpecifiedBenchmarks();
        benchmark::Shutdown();
    }
    for (auto &w : sealed) w->stop();
    for (auto &w : empty) w->stop();
    for (auto &t : twins) t.unsealed->stop();
    none.stop();
    control.stop();
    allow_all.stop();
    return status;
}
