// The sealed arena: allocation, guard pages, freeze, allocation after a
// freeze, the secret-keeping options, misuse, attacks on frozen memory and
// guard pages, and a multi-threaded stress test.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <set>
#include <thread>
#include <vector>

#include "sealkit/sealed_arena.hpp"
#include "each_backend.h"

namespace {

using sealkit_test::attempt;
using sealkit_test::FailsWith;
using sealkit_test::perms_at;

class SealedArena : public sealkit_test::EachBackendTest {};

std::string vmflags_at(const void *addr) {
    auto vma = sealkit_test::vma_at(addr);
    return vma ? vma->vmflags : std::string();
}

TEST_ON_EACH_BACKEND(SealedArena, AllocatesZeroedAlignedDistinctMemory) {
    sealkit::sealed_arena arena;
    ASSERT_TRUE(arena);
    std::set<uintptr_t> seen;
    for (size_t align : {1, 2, 8, 16, 64, 4096}) {
        auto *p = static_cast<unsigned char *>(arena.allocate(24, align));
        ASSERT_NE(p, nullptr) << align;
        EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % align, 0u) << align;
        for (int i = 0; i < 24; ++i) EXPECT_EQ(p[i], 0) << "fresh memory must be zero";
        memset(p, 0xab, 24);
        EXPECT_TRUE(seen.insert(reinterpret_cast<uintptr_t>(p)).second);
    }
    // Handed out: the six blocks plus the padding their alignments needed.
    EXPECT_GE(arena.stats().bytes_allocated, 6u * 24);
    EXPECT_LE(arena.stats().bytes_allocated, 6u * 24 + 1 + 7 + 15 + 63 + 4095);
}

TEST_ON_EACH_BACKEND(SealedArena, RejectsBadSizesAndAlignments) {
    sealkit::sealed_arena arena;
    for (size_t align : {size_t{0}, size_t{3}, size_t{48}, size_t{8192}}) {
        errno = 0;
        EXPECT_EQ(arena.allocate(8, align), nullptr) << align;
        EXPECT_EQ(errno, EINVAL) << align;
    }
    errno = 0;
    EXPECT_EQ(arena.allocate(0, 8), nullptr);
    EXPECT_EQ(errno, EINVAL);
    errno = 0;
    EXPECT_EQ(sealkit_arena_allocate(nullptr, 8, 8), nullptr);
    EXPECT_EQ(errno, EINVAL);
}

TEST_ON_EACH_BACKEND(SealedArena, GuardPagesAreInaccessibleAndSealedFromTheStart) {
    sealkit::sealed_arena arena({.chunk_size = 8192});
    auto *first = static_cast<char *>(arena.allocate(4096, 4096));
    ASSERT_NE(first, nullptr);
    char *below = first - 4096;
    char *above = first + 8192;
    EXPECT_EQ(perms_at(below).substr(0, 3), "---");
    EXPECT_EQ(perms_at(above).substr(0, 3), "---");
    EXPECT_EQ(sealkit_is_sealed(below, 4096), 1);
    EXPECT_EQ(sealkit_is_sealed(above, 4096), 1);
    EXPECT_EQ(sealkit_is_sealed(first, 8192), 0) << "data is not sealed before the freeze";
    EXPECT_TRUE(FailsWith(attempt([&] { return mprotect(below, 4096, PROT_READ | PROT_WRITE); }), EPERM));
    EXPECT_TRUE(FailsWith(attempt([&] { return munmap(above, 4096); }), EPERM));
}

TEST_ON_EACH_BACKEND(SealedArena, AnOverflowPastEitherEndFaults) {
    sealkit::sealed_arena arena({.chunk_size = 4096});
    auto *p = static_cast<volatile char *>(arena.allocate(4096, 4096));
    ASSERT_NE(p, nullptr);
    EXPECT_EXIT(p[4096] = 1, ::testing::KilledBySignal(SIGSEGV), "");
    EXPECT_EXIT(p[-1] = 1, ::testing::KilledBySignal(SIGSEGV), "");
}

TEST_ON_EACH_BACKEND(SealedArena, FreezeMakesEverythingReadOnlyAndSealedAndWritesFault) {
    sealkit::sealed_arena arena;
    auto *numbers = static_cast<int *>(arena.allocate(100 * sizeof(int), alignof(int)));
    ASSERT_NE(numbers, nullptr);
    for (int i = 0; i < 100; ++i) numbers[i] = i * i;
    ASSERT_FALSE(arena.freeze());
    EXPECT_EQ(perms_at(numbers).substr(0, 3), "r--");
    EXPECT_EQ(sealkit_is_sealed(numbers, 100 * sizeof(int)), 1);
    EXPECT_EXIT(numbers[7] = 0, ::testing::KilledBySignal(SIGSEGV), "");
    EXPECT_EQ(numbers[99], 99 * 99);
    EXPECT_EQ(arena.stats().frozen_chunks, arena.stats().chunks);
}

TEST_ON_EACH_BACKEND(SealedArena, EveryMappingChangeOnFrozenMemoryOrGuardsIsRefused) {
    sealkit::sealed_arena arena({.chunk_size = 4096});
    auto *page = static_cast<char *>(arena.allocate(4096, 4096));
    ASSERT_NE(page, nullptr);
    memset(page, 'S', 4096);
    ASSERT_FALSE(arena.freeze());
    for (char *target : {page, page - 4096, page + 4096}) {
        SCOPED_TRACE(target == page ? "data" : "guard");
        EXPECT_TRUE(FailsWith(attempt([&] { return mprotect(target, 4096, PROT_READ | PROT_WRITE); }), EPERM));
        EXPECT_TRUE(FailsWith(attempt([&] { return munmap(target, 4096); }), EPERM));
        EXPECT_TRUE(FailsWith(attempt([&] {
                                  return mmap(target, 4096, PROT_READ | PROT_WRITE,
                                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED
                                             ? -1
                                             : 0;
                              }),
                              EPERM));
        EXPECT_TRUE(FailsWith(
            attempt([&] { return mremap(target, 4096, 8192, MREMAP_MAYMOVE) == MAP_FAILED ? -1 : 0; }), EPERM));
        EXPECT_TRUE(FailsWith(attempt([&] { return madvise(target, 4096, MADV_DONTNEED); }), EPERM));
    }
    EXPECT_TRUE(sealkit_test::all_bytes(page, 4096, 'S'));
}

TEST_ON_EACH_BACKEND(SealedArena, AllocationsAfterAFreezeGoToFreshPagesThatTheNextFreezeSeals) {
    sealkit::sealed_arena arena;
    auto *before = static_cast<char *>(arena.allocate(16, 8));
    ASSERT_FALSE(arena.freeze());
    auto *after = static_cast<char *>(arena.allocate(16, 8));
    ASSERT_NE(after, nullptr);
    strcpy(after, "still writable");
    EXPECT_EQ(perms_at(after).substr(0, 3), "rw-");
    EXPECT_NE(sealkit_test::vma_at(before)->start, sealkit_test::vma_at(after)->start) << "a fresh chunk";
    EXPECT_EQ(arena.stats().chunks, 2u);
    ASSERT_FALSE(arena.freeze());
    EXPECT_EQ(perms_at(after).substr(0, 3), "r--");
    EXPECT_EQ(sealkit_is_sealed(after, 16), 1);
    EXPECT_STREQ(after, "still writable");
    EXPECT_EQ(arena.stats().frozen_chunks, 2u);
    EXPECT_FALSE(arena.freeze()) << "freezing with nothing new is a no-op";
}

TEST_ON_EACH_BACKEND(SealedArena, ALargeAllocationGetsAChunkOfItsOwn) {
    sealkit::sealed_arena arena({.chunk_size = 4096});
    auto *big = static_cast<char *>(arena.allocate(1 << 20, 64));
    ASSERT_NE(big, nullptr);
    memset(big, 1, 1 << 20);
    EXPECT_GE(arena.stats().bytes_mapped, size_t{1} << 20);
    ASSERT_FALSE(arena.freeze());
    EXPECT_EQ(sealkit_is_sealed(big, 1 << 20), 1);
}

TEST_ON_EACH_BACKEND(SealedArena, MakeConstructsObjects) {
    struct route {
        int port;
        char host[16];
    };
    sealkit::sealed_arena arena;
    route *r = arena.make<route>(route{443, "example"});
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(r) % alignof(route), 0u);
    ASSERT_FALSE(arena.freeze());
    EXPECT_EQ(r->port, 443);
    EXPECT_STREQ(r->host, "example");
}

TEST_ON_EACH_BACKEND(SealedArena, SecretOptionsAreAppliedToEveryChunk) {
    sealkit::sealed_arena arena({.chunk_size = 4096, .dont_dump = true, .wipe_on_fork = true});
    auto *secret = static_cast<char *>(arena.allocate(32, 8));
    ASSERT_NE(secret, nullptr);
    std::string flags = vmflags_at(secret);
    EXPECT_NE(flags.find(" dd"), std::string::npos) << flags;
    EXPECT_NE(flags.find(" wf"), std::string::npos) << flags;
    strcpy(secret, "hunter2");
    sealkit_test::outcome child = sealkit_test::run_in_child([&](int report) {
        sealkit_test::report(report, "child-sees %d", secret[0]);
        return 0;
    });
    EXPECT_EQ(sealkit_test::field(child.output, "child-sees"), "0") << "wipe-on-fork: a child sees zeros";
}

TEST_ON_EACH_BACKEND(SealedArena, LockKeepsChunksInMemory) {
    sealkit::sealed_arena arena({.chunk_size = 4096, .lock_in_memory = true});
    void *p = arena.allocate(16, 8);
    if (p == nullptr && (errno == EPERM || errno == ENOMEM))
        GTEST_SKIP() << "mlock is not allowed here (RLIMIT_MEMLOCK): " << strerror(errno);
    ASSERT_NE(p, nullptr);
    EXPECT_NE(vmflags_at(p).find(" lo"), std::string::npos) << vmflags_at(p);
}

// 2 MB in 128 KiB chunks: threads race over more than ten new chunks. Not
// smaller: each chunk seals its guard pages, and the seccomp backend holds
// on the order of a hundred separate seals (docs/seccomp-backend.md,
// "Separate seal calls"); 16 KiB chunks fail there with ENOMEM at chunk 40.
TEST_ON_EACH_BACKEND(SealedArena, ConcurrentAllocationsNeverOverlap) {
    sealkit::sealed_arena arena({.chunk_size = 131072});
    constexpr int kThreads = 4, kEach = 5000;
    std::vector<std::vector<std::pair<unsigned char *, size_t>>> made(kThreads);
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            while (!go) std::this_thread::yield();
            for (int i = 0; i < kEach; ++i) {
                size_t size = 1 + static_cast<size_t>((i * 7 + t * 13) % 200);
                auto *p = static_cast<unsigned char *>(arena.allocate(size, 8));
                if (p == nullptr) return;
                memset(p, t + 1, size);
                made[t].emplace_back(p, size);
            }
        });
    go = true;
    for (auto &thread : threads) thread.join();
    for (int t = 0; t < kThreads; ++t) {
        ASSERT_EQ(made[t].size(), size_t{kEach});
        for (auto &[p, size] : made[t])
            for (size_t i = 0; i < size; ++i) ASSERT_EQ(p[i], t + 1) << "another thread wrote over this block";
    }
    EXPECT_GE(arena.stats().chunks, 10u) << "the threads must have raced over new chunks";
    ASSERT_FALSE(arena.freeze());
    EXPECT_EQ(arena.stats().frozen_chunks, arena.stats().chunks);
}

INSTANTIATE_ON_EACH_BACKEND(SealedArena);

}  // namespace
