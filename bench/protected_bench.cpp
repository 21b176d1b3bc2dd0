// Protected memory and the sealed arena against what they replace:
// - reading a frozen protected_memory<T> against reading a plain global;
// - allocating 32 bytes from a sealed arena against malloc(32) (fresh heap,
//   and a malloc+free pair that glibc's per-thread cache serves);
// - freezing a populated 1 MiB arena against the two system calls it
//   needs (mprotect read-only and mseal of the same 1 MiB, done by hand).
// `make bench` runs this and prints the ratios (scripts/bench).
#include <benchmark/benchmark.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "sealkit/protected_memory.hpp"
#include "sealkit/sealed_arena.hpp"

namespace {

constexpr int kAllocations = 1 << 21;  // 64 MiB of 32-byte objects: never freed, by design

struct config {
    int limit;
    int flags[15];
};

config g_plain{7, {}};
SEALKIT_PROTECTED_GLOBAL(config, g_protected, config{7, {}});

void BM_ReadPlainGlobal(benchmark::State &state) {
    long sum = 0;
    for (auto _ : state) {
        benchmark::ClobberMemory();  // the value must be loaded every time
        sum += g_plain.limit;
    }
    benchmark::DoNotOptimize(sum);
}

void BM_ReadFrozenProtectedGlobal(benchmark::State &state) {
    static bool frozen = !g_protected.freeze();
    if (!frozen) {
        state.SkipWithError("cannot freeze (no backend?)");
        return;
    }
    long sum = 0;
    for (auto _ : state) {
        benchmark::ClobberMemory();
        sum += g_protected->limit;
    }
    benchmark::DoNotOptimize(sum);
}

// Fresh: malloc carves new heap for objects that are never freed, as
// process-lifetime data is (and writes a header into it, so it pays the
// page faults the arena's untouched memory does not).
void BM_Malloc32Fresh(benchmark::State &state) {
    for (auto _ : state) benchmark::DoNotOptimize(std::malloc(32));
}

// Reused: malloc's best case, a block that comes straight back from its
// per-thread cache: one malloc and one free per iteration (the pair is
// what a short-lived object costs; an arena object is never freed).
void BM_Malloc32Reused(benchmark::State &state) {
    for (auto _ : state) {
        void *block = std::malloc(32);
        benchmark::DoNotOptimize(block);
        std::free(block);
    }
}

// 32-byte blocks from this thread's piece of 1 MiB chunks: 64 new chunks
// over the run, each mapped with its guards sealed.
void BM_ArenaAllocate32(benchmark::State &state) {
    sealkit::sealed_arena arena({.chunk_size = 1 << 20});
    for (auto _ : state) benchmark::DoNotOptimize(arena.allocate(32, 8));
}

// The same from one 64 MiB chunk: the allocation path alone, without the
// cost of making chunks (informational; docs/benchmarks.md).
void BM_ArenaOneChunkAllocate32(benchmark::State &state) {
    sealkit::sealed_arena arena({.chunk_size = size_t{32} * kAllocations});
    for (auto _ : state) benchmark::DoNotOptimize(arena.allocate(32, 8));
}

constexpr size_t kMiB = 1 << 20;

void BM_FreezeArena1MiB(benchmark::State &state) {
    for (auto _ : state) {
        state.PauseTiming();
        sealkit::sealed_arena arena({.chunk_size = kMiB});
        auto *data = static_cast<char *>(arena.allocate(kMiB, 4096));
        if (data == nullptr) {
            state.SkipWithError("arena allocation failed");
            return;
        }
        memset(data, 1, kMiB);
        state.ResumeTiming();
        if (arena.freeze()) state.SkipWithError("freeze failed");
    }
}

void BM_ProtectAndSeal1MiBByHand(benchmark::State &state) {
    for (auto _ : state) {
        state.PauseTiming();
        auto *data = static_cast<char *>(
            mmap(nullptr, kMiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
        memset(data, 1, kMiB);
        state.ResumeTiming();
        if (mprotect(data, kMiB, PROT_READ) != 0 || syscall(462, data, kMiB, 0) != 0)
            state.SkipWithError("mprotect or mseal failed");
    }
}

}  // namespace

BENCHMARK(BM_ReadPlainGlobal);
BENCHMARK(BM_ReadFrozenProtectedGlobal);
BENCHMARK(BM_Malloc32Fresh)->Iterations(kAllocations);
BENCHMARK(BM_Malloc32Reused)->Iterations(kAllocations);
BENCHMARK(BM_ArenaAllocate32)->Iterations(kAllocations);
BENCHMARK(BM_ArenaOneChunkAllocate32)->Iterations(kAllocations);
BENCHMARK(BM_FreezeArena1MiB)->Iterations(40);
BENCHMARK(BM_ProtectAndSeal1MiBByHand)->Iterations(40);
BENCHMARK_MAIN();
