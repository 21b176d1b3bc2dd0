// The sealed arena's per-thread pieces (src/arena/thread_pieces.h): small
// blocks come from the calling thread's piece of a chunk; pieces never
// overlap, never outlive a freeze, never serve another arena, and waste no
// more than src/arena/sealed_arena.cpp says.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <map>
#include <thread>
#include <vector>

#include "arena/thread_pieces.h"
#include "each_backend.h"
#include "sealkit/sealed_arena.hpp"

namespace {

using sealkit_test::addr_of;
using sealkit_test::perms_at;

class ArenaPieces : public sealkit_test::EachBackendTest {};

struct block {
    uintptr_t at;
    size_t size;
    size_t align;
    int thread;
};

// The feature itself: a thread's small blocks come from its own piece, so
// another thread allocating in between does not come between them. With
// one shared cursor (no pieces), b would sit between a1 and a2.
TEST_ON_EACH_BACKEND(ArenaPieces, OneThreadsSmallBlocksStayTogetherWhileAnotherAllocates) {
    sealkit::sealed_arena arena;
    std::atomic<uintptr_t> a1{0}, a2{0}, b{0};
    std::atomic<int> turn{0};
    std::thread thread_a([&] {
        a1 = addr_of(arena.allocate(32, 8));
        turn = 1;
        while (turn != 2) std::this_thread::yield();
        a2 = addr_of(arena.allocate(32, 8));
    });
    std::thread thread_b([&] {
        while (turn != 1) std::this_thread::yield();
        b = addr_of(arena.allocate(32, 8));
        turn = 2;
    });
    thread_a.join();
    thread_b.join();
    ASSERT_NE(a1, 0u);
    ASSERT_NE(b, 0u);
    EXPECT_EQ(a2, a1 + 32) << "thread A's second block must follow its first, from its own piece";
    EXPECT_FALSE(a1 < b && b < a2) << "thread B's block came between thread A's blocks: no per-thread pieces";
}

// Many threads, small blocks of every cached size and alignment (and some
// larger, shared-path ones): disjoint, aligned, and all inside the arena,
// which a freeze then proves: every block is in a read-only sealed chunk.
TEST_ON_EACH_BACKEND(ArenaPieces, ConcurrentBlocksAreDisjointAlignedAndInsideTheArena) {
    sealkit::sealed_arena arena({.chunk_size = 131072});
    constexpr int kThreads = 8, kEach = 3000;
    std::vector<std::vector<block>> made(kThreads);
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            while (!go) std::this_thread::yield();
            for (int i = 0; i < kEach; ++i) {
                size_t size = 1 + static_cast<size_t>((i * 37 + t * 11) % 256);
                size_t align = size_t{1} << ((i + t) % 7);  // 1 .. 64
                if (i % 97 == 0) size = 300, align = 128;   // the shared path
                auto *p = static_cast<unsigned char *>(arena.allocate(size, align));
                if (p == nullptr) return;
                memset(p, t + 1, size);
                made[t].push_back({addr_of(p), size, align, t});
            }
        });
    go = true;
    for (auto &thread : threads) thread.join();

    std::vector<block> all;
    for (int t = 0; t < kThreads; ++t) {
        ASSERT_EQ(made[t].size(), size_t{kEach}) << "thread " << t << " got NULL: " << strerror(errno);
        for (const block &b : made[t]) {
            EXPECT_EQ(b.at % b.align, 0u) << "misaligned block";
            const auto *bytes = reinterpret_cast<const unsigned char *>(b.at);
            for (size_t i = 0; i < b.size; ++i)
                ASSERT_EQ(bytes[i], t + 1) << "another thread wrote over this block";
        }
        all.insert(all.end(), made[t].begin(), made[t].end());
    }
    std::sort(all.begin(), all.end(), [](const block &x, const block &y) { return x.at < y.at; });
    size_t handed_out = 0;
    for (size_t i = 0; i < all.size(); ++i) {
        handed_out += all[i].size;
        if (i + 1 < all.size()) {
            ASSERT_LE(all[i].at + all[i].size, all[i + 1].at)
                << "blocks of threads " << all[i].thread << " and " << all[i + 1].thread << " overlap";
        }
    }
    EXPECT_GE(arena.stats().bytes_allocated, handed_out);

    ASSERT_FALSE(arena.freeze());
    // One read of the maps: the chunk (VMA) of every block.
    std::vector<sealkit_test::vma> vmas = sealkit_test::read_vmas(false);
    std::map<uintptr_t, sealkit_test::vma> chunks_used;
    for (const block &b : all) {
        auto v = std::upper_bound(vmas.begin(), vmas.end(), b.at,
                                  [](uintptr_t a, const sealkit_test::vma &m) { return a < m.start; });
        ASSERT_NE(v, vmas.begin()) << "block not mapped";
        --v;
        ASSERT_TRUE(v->start <= b.at && b.at + b.size <= v->end) << "block not inside one mapping";
        chunks_used.emplace(v->start, *v);
    }
    EXPECT_LE(chunks_used.size(), arena.stats().chunks);
    for (const auto &[start, v] : chunks_used) {
        EXPECT_EQ(v.perms.substr(0, 3), "r--") << "a block outside the arena's frozen chunks";
        EXPECT_EQ(sealkit_is_sealed(reinterpret_cast<void *>(v.start), v.end - v.start), 1);
    }
}

// A freeze retires every thread's piece at once: a thread whose piece
// still has room gets fresh, writable memory after another thread froze
// the arena, never a block of the frozen (read-only) chunk.
TEST_ON_EACH_BACKEND(ArenaPieces, AfterAFreezeAThreadWithAWarmPieceGetsFreshPages) {
    sealkit::sealed_arena arena;
    std::atomic<int> phase{0};
    uintptr_t warm = 0, next_before = 0, after = 0;
    std::thread worker([&] {
        warm = addr_of(arena.allocate(32, 8));
        next_before = addr_of(arena.allocate(32, 8));
        phase = 1;
        while (phase != 2) std::this_thread::yield();
        after = addr_of(arena.allocate(32, 8));
    });
    while (phase != 1) std::this_thread::yield();
    ASSERT_EQ(next_before, warm + 32) << "the worker's piece must be warm before the freeze";
    EXPECT_FALSE(arena.freeze());
    phase = 2;
    worker.join();
    ASSERT_NE(after, 0u);
    ASSERT_EQ(perms_at(reinterpret_cast<void *>(after)).substr(0, 3), "rw-")
        << "the worker was handed a block of the frozen chunk";
    EXPECT_NE(sealkit_test::vma_at(reinterpret_cast<void *>(after))->start,
              sealkit_test::vma_at(reinterpret_cast<void *>(warm))->start)
        << "a fresh chunk";
    strcpy(reinterpret_cast<char *>(after), "writable");
    EXPECT_EQ(arena.stats().chunks, 2u);
}

// One thread alternating between more arenas than its table holds: each
// block comes from its own arena (frozen arenas' blocks are read-only, the
// others' still writable), never from another arena's piece, and a piece
// pushed out of the table goes back to its chunk.
TEST_ON_EACH_BACKEND(ArenaPieces, AlternatingArenasNeverHandOutEachOthersMemory) {
    constexpr int kArenas = sealkit::kPiecesPerThread + 2;
    std::vector<std::unique_ptr<sealkit::sealed_arena>> arenas;
    for (int a = 0; a < kArenas; ++a)
        arenas.push_back(std::make_unique<sealkit::sealed_arena>(sealkit::sealed_arena::options{.chunk_size = 65536}));
    std::vector<std::vector<uintptr_t>> blocks(kArenas);
    for (int round = 0; round < 200; ++round)
        for (int a = 0; a < kArenas; ++a) {
            // Every arena twice in a row now and then, so pieces are reused.
            int repeat = round % 3 == 0 ? 2 : 1;
            for (int r = 0; r < repeat; ++r) {
                void *p = arenas[a]->allocate(24, 8);
                ASSERT_NE(p, nullptr);
                blocks[a].push_back(addr_of(p));
            }
        }
    // Freeze the even arenas: their blocks, and only theirs, turn read-only.
    for (int a = 0; a < kArenas; a += 2) ASSERT_FALSE(arenas[a]->freeze());
    std::vector<sealkit_test::vma> vmas = sealkit_test::read_vmas(false);
    auto perms_of = [&](uintptr_t at) {
        for (const auto &v : vmas)
            if (v.start <= at && at < v.end) return v.perms.substr(0, 3);
        return std::string("unmapped");
    };
    std::map<uintptr_t, int> owner;
    for (int a = 0; a < kArenas; ++a)
        for (uintptr_t at : blocks[a]) {
            EXPECT_EQ(perms_of(at), a % 2 == 0 ? "r--" : "rw-") << "arena " << a;
            auto [it, fresh] = owner.emplace(at, a);
            EXPECT_TRUE(fresh) << "block handed out by arenas " << it->second << " and " << a;
        }
    for (int a = 0; a < kArenas; ++a) {
        EXPECT_EQ(arenas[a]->stats().chunks, 1u) << "arena " << a;
        // The table holds four arenas, so each turn pushes the least recent
        // out; its piece goes back to its chunk (nothing was taken after
        // it), so the arena's blocks stay packed with no piece left unused.
        auto [low, high] = std::minmax_element(blocks[a].begin(), blocks[a].end());
        EXPECT_EQ(*high + 24 - *low, 24 * blocks[a].size()) << "arena " << a << ": pieces were not given back";
    }
}

// An arena made where an older one lived (the table knows arenas by
// address) has another stamp: the old entry's piece is given up, never
// extended or served from.
TEST(ArenaPieceTable, AnEntryWithAnotherStampIsReplacedNotExtended) {
    alignas(64) static unsigned char memory[8192];
    sealkit::arena_chunk chunk{addr_of(memory), addr_of(memory) + sizeof memory, addr_of(memory), 0, 0, false};
    sealkit::thread_piece_table table{};
    int same_address = 0;  // stands for both arenas
    sealkit::thread_piece &old_entry = sealkit::piece_of(table, &same_address);
    sealkit::refill(old_entry, /*stamp=*/5, &chunk, addr_of(memory), 1024);
    ASSERT_EQ(sealkit::serve(old_entry, 24, 8), addr_of(memory));

    // The new arena's stamp is 9: the piece right after the old one is not
    // glued to it, and the old piece's 1,000 unused bytes are given up.
    sealkit::thread_piece &entry = sealkit::piece_of(table, &same_address);
    ASSERT_EQ(&entry, &table[0]);
    EXPECT_EQ(entry.stamp, 5u) << "same address, same entry: only the stamp tells the arenas apart";
    sealkit::refill(entry, /*stamp=*/9, &chunk, addr_of(memory) + 1024, 1024);
    EXPECT_EQ(entry.stamp, 9u);
    EXPECT_EQ(entry.cursor, addr_of(memory) + 1024) << "the old arena's piece was served on";
    EXPECT_EQ(chunk.abandoned, 1024u - 24) << "the old piece's tail must be given up";

    // The same stamp again: the next piece continues this one, nothing lost.
    EXPECT_EQ(sealkit::serve(entry, 16, 16), addr_of(memory) + 1024);
    sealkit::refill(entry, 9, &chunk, addr_of(memory) + 2048, 2048);
    EXPECT_EQ(entry.cursor, addr_of(memory) + 1024 + 16);
    EXPECT_EQ(entry.limit, addr_of(memory) + 4096);
    EXPECT_EQ(chunk.abandoned, 1024u - 24);
}

// Exhaustion, one thread: bytes handed out from a chunk before the arena
// maps the next reach the chunk's size minus less than the request that
// did not fit: pieces that follow each other are glued together, the last
// piece's tail goes back to the chunk, and the chunk's last bytes are
// handed out exactly. Statistics say exactly what was handed out.
TEST_ON_EACH_BACKEND(ArenaPieces, OneThreadFillsAChunkToWithinOneRequest) {
    constexpr size_t kChunk = 65536;
    sealkit::sealed_arena arena({.chunk_size = kChunk});
    void *first = arena.allocate(16, 16);
    ASSERT_NE(first, nullptr);
    const auto chunk = sealkit_test::vma_at(first);
    ASSERT_TRUE(chunk);
    ASSERT_EQ(chunk->end - chunk->start, kChunk);
    size_t in_first_chunk = 16, total = 16;
    for (int i = 1;; ++i) {
        const size_t size = 16 * (1 + static_cast<size_t>(i * 7 % 16));  // 16 .. 256, no padding at 16
        auto at = addr_of(arena.allocate(size, 16));
        ASSERT_NE(at, 0u);
        total += size;
        if (at < chunk->start || at >= chunk->end) break;
        in_first_chunk += size;
        ASSERT_LE(at + size, chunk->end);
    }
    EXPECT_EQ(arena.stats().chunks, 2u);
    EXPECT_GT(in_first_chunk, kChunk - sealkit::kLargestCachedSize)
        << "more than one request's worth of the first chunk was never handed out";
    EXPECT_EQ(arena.stats().bytes_allocated, total) << "statistics count exactly the blocks handed out";
}

// Exhaustion, four threads: the chunks the arena moved on from are used up
// to the documented waste: the pieces the threads still hold (at most
// kLargestPiece each) and, per piece taken, a tail smaller than a request.
TEST_ON_EACH_BACKEND(ArenaPieces, ThreadsFillEveryChunkButTheirLastPieces) {
    constexpr size_t kChunk = 262144, kSize = 32;
    constexpr int kThreads = 4, kEach = 20000;  // 2.5 MB: about ten chunks
    sealkit::sealed_arena arena({.chunk_size = kChunk});
    std::vector<std::vector<uintptr_t>> made(kThreads);
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            while (!go) std::this_thread::yield();
            for (int i = 0; i < kEach; ++i) made[t].push_back(addr_of(arena.allocate(kSize, 8)));
        });
    go = true;
    for (auto &thread : threads) thread.join();
    // The arena's current chunk: where a fresh piece comes from now.
    const auto current = sealkit_test::vma_at(arena.allocate(kSize, 8));
    ASSERT_TRUE(current);

    std::vector<sealkit_test::vma> vmas = sealkit_test::read_vmas(false);
    std::map<uintptr_t, size_t> handed_out;  // chunk start -> bytes
    for (const auto &blocks : made)
        for (uintptr_t at : blocks) {
            ASSERT_NE(at, 0u);
            auto v = std::upper_bound(vmas.begin(), vmas.end(), at,
                                      [](uintptr_t a, const sealkit_test::vma &m) { return a < m.start; });
            ASSERT_NE(v, vmas.begin());
            --v;
            ASSERT_EQ(v->end - v->start, kChunk) << "a block outside the arena's chunks";
            handed_out[v->start] += kSize;
        }
    ASSERT_GE(handed_out.size(), 8u);
    size_t unused = 0, full_chunks = 0;
    for (const auto &[start, bytes] : handed_out) {
        if (start == current->start) continue;
        ++full_chunks;
        unused += kChunk - bytes;
    }
    // Pieces per chunk: 16 KiB ones while more than 128 KiB is left, then
    // 1/8 of what is left (7/8 of it stays each time) down to 8 pieces of
    // 48 bytes (32 bytes at alignment 8): fewer than 8 + 44, plus the four
    // threads' first pieces (1 to 8 KiB).
    const size_t pieces_per_chunk = 8 + 44 + 4 * 4;
    const size_t bound = kThreads * sealkit::kLargestPiece + full_chunks * pieces_per_chunk * kSize;
    EXPECT_LE(unused, bound) << "over " << full_chunks << " chunks the arena moved on from";
}

INSTANTIATE_ON_EACH_BACKEND(ArenaPieces);

}  // namespace
