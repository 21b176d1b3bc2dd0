// Each thread's pieces of sealed-arena chunks: why a small allocation from
// an arena costs a pointer bump and no atomic operation.
//
// A thread takes a piece (1 KiB, doubling up to 16 KiB) of an arena's
// current chunk with one compare-and-swap (arena_chunk.h) and hands out
// small blocks from it by itself. The table is a plain array in the
// thread's static TLS block, one entry per arena the thread uses (the most
// recent first, at most kPiecesPerThread), so the fast path is two loads,
// a compare and a store:
//
//     thread_piece &p = table[0];
//     if (p.stamp == arena->stamp)              // same arena, not frozen since
//         if (uintptr_t at = serve(p, 32, 8)) return at;
//
// An entry is keyed by the arena's identity and by its stamp: a number
// unique in the process that the arena gets when it is made and again at
// every freeze. A piece whose stamp is not its arena's current one is
// never served from again, so a freeze retires every thread's piece at
// once, and an arena made at the address of an older one can never hand
// out the older one's memory.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "arena/arena_chunk.h"

namespace sealkit {

// Requests up to this size and alignment are served from pieces; larger
// ones take the shared path (one compare-and-swap on the chunk).
inline constexpr size_t kLargestCachedSize = 256;
inline constexpr size_t kLargestCachedAlign = 64;
// A thread's first piece of an arena; each next one is twice as large, up
// to the largest (and never more than a fraction of what the chunk has
// left: arena_chunk.h).
inline constexpr size_t kSmallestPiece = 1024;
inline constexpr size_t kLargestPiece = 16 * 1024;
inline constexpr int kPiecesPerThread = 4;

struct thread_piece {
    uint64_t stamp;      // the arena's stamp when the piece was taken; 0: none
    uintptr_t cursor;    // next free byte of the piece
    uintptr_t limit;     // one past its last byte
    const void *arena;   // whose entry this is (the stamp says which generation)
    arena_chunk *from;   // the chunk the piece lies in; null: no piece
    size_t next_size;    // the size of this thread's next piece of this arena
};

using thread_piece_table = thread_piece[kPiecesPerThread];

// size bytes at align from p's piece, or 0 when they do not fit.
inline uintptr_t serve(thread_piece &p, size_t size, size_t align) {
    uintptr_t start = align_up(p.cursor, align);
    if (start > p.limit || size > p.limit - start) return 0;
    p.cursor = start + size;
    return start;
}

// Gives up what is left of p's piece (counted as abandoned in its chunk,
// so statistics do not count it as handed out).
inline void give_up(thread_piece &p) {
    if (p.from != nullptr && p.limit > p.cursor)
        __atomic_add_fetch(&p.from->abandoned, p.limit - p.cursor, __ATOMIC_RELAXED);
    p.stamp = 0;
    p.cursor = p.limit = 0;
    p.from = nullptr;
}

// Returns what is left of p's piece to its chunk when nothing was taken
// from the chunk after it (the chunk's cursor is still p's limit: one
// compare-and-swap), and gives it up otherwise. A frozen chunk's cursor is
// kFrozenCursor, beyond any piece, so nothing is ever returned to it.
inline void give_back(thread_piece &p) {
    uintptr_t expected = p.limit;
    if (p.from != nullptr && p.limit > p.cursor &&
        __atomic_compare_exchange_n(&p.from->cursor, &expected, p.cursor, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_RELAXED))
        p.cursor = p.limit;
    give_up(p);
}

// The bytes a piece must have to hold size bytes at align wherever it
// starts, in multiples of 16 as pieces are.
inline size_t piece_needed_for(size_t size, size_t align) { return (size + align - 1 + 15) & ~size_t{15}; }

// Puts the piece just taken, [start, start + size) of chunk c at stamp, in
// p. When it continues p's piece (nobody took from the chunk in between),
// the two become one and nothing is given up.
inline void refill(thread_piece &p, uint64_t stamp, arena_chunk *c, uintptr_t start, size_t size) {
    if (p.stamp == stamp && p.from == c && p.limit == start) {
        p.limit = start + size;
    } else {
        give_up(p);
        p = thread_piece{stamp, start, start + size, p.arena, c, p.next_size};
    }
    if (p.next_size < kLargestPiece) p.next_size *= 2;
}

// arena's entry in table, moved to the front; a new entry (with no piece)
// when the thread has none, which pushes the least recent out (its piece
// given back).
inline thread_piece &piece_of(thread_piece_table &table, const void *arena) {
    int found = kPiecesPerThread - 1;
    for (int i = 0; i < kPiecesPerThread; ++i)
        if (table[i].arena == arena) {
            found = i;
            break;
        }
    thread_piece entry = table[found];
    if (entry.arena != arena) {
        give_back(entry);
        entry = thread_piece{0, 0, 0, arena, nullptr, kSmallestPiece};
    }
    for (int i = found; i > 0; --i) table[i] = table[i - 1];
    table[0] = entry;
    return table[0];
}

// arena's entry in table, or null; the order is left alone.
inline thread_piece *find_piece(thread_piece_table &table, const void *arena) {
    for (thread_piece &p : table)
        if (p.arena == arena) return &p;
    return nullptr;
}

}  // namespace sealkit
