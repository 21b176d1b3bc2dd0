// One chunk of a sealed arena: [guard][data pages][guard], and the two ways
// bytes leave it. Both are one compare-and-swap on the chunk's cursor:
//
//     uintptr_t at = bump(c, 24, 8);              // one allocation, exact
//     size_t taken;
//     uintptr_t piece = take_piece(c, 16384, &taken);  // a thread's piece
//
// A piece is a run of bytes a thread then hands out by itself, without
// atomics (thread_pieces.h). Bytes a thread took but will never hand out
// (a piece's tail it gave up) are counted in `abandoned`, so the arena's
// statistics still say how much was handed out.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace sealkit {

// A frozen chunk's cursor: past its limit, so nothing more is bumped out
// of it, and past every piece's end, so no piece is given back to it.
inline constexpr uintptr_t kFrozenCursor = UINTPTR_MAX;

struct arena_chunk {
    uintptr_t data;            // first data byte (page aligned)
    uintptr_t limit;           // one past the last data byte
    uintptr_t cursor;          // next free byte; atomically bumped
    uintptr_t used_at_freeze;  // the cursor when the chunk was frozen
    size_t abandoned;          // bytes taken in pieces and given up; atomic
    bool frozen;
};

// A piece is at most this fraction of what the chunk has left, so threads
// that park pieces leave the rest for the others (and for the exact path).
inline constexpr size_t kPieceFraction = 8;

inline uintptr_t align_up(uintptr_t value, size_t align) {
    return (value + align - 1) & ~(uintptr_t{align} - 1);
}

// Bumps c's cursor for size bytes at align. The address, or 0 when the
// chunk is full (or frozen: start wraps around or passes the limit).
inline uintptr_t bump(arena_chunk *c, size_t size, size_t align) {
    uintptr_t cursor = __atomic_load_n(&c->cursor, __ATOMIC_RELAXED);
    for (;;) {
        uintptr_t start = align_up(cursor, align);
        if (start < cursor || start > c->limit || size > c->limit - start) return 0;
        if (__atomic_compare_exchange_n(&c->cursor, &cursor, start + size, true, __ATOMIC_ACQ_REL,
                                        __ATOMIC_RELAXED))
            return start;
    }
}

// Takes a piece of at most `wanted` bytes and at most 1/kPieceFraction of
// what is left, in multiples of 16, and at least `needed` bytes. Its start
// (*taken set), or 0 when what is left is too little for such a piece: the
// caller then allocates exactly with bump(), so the chunk's last bytes
// still serve. Pieces shrink with what is left, so near the end of a chunk
// threads still take pieces rather than compete for every block.
inline uintptr_t take_piece(arena_chunk *c, size_t wanted, size_t needed, size_t *taken) {
    uintptr_t cursor = __atomic_load_n(&c->cursor, __ATOMIC_RELAXED);
    for (;;) {
        if (cursor >= c->limit) return 0;  // full or frozen
        size_t size = (c->limit - cursor) / kPieceFraction;
        if (size > wanted) size = wanted;
        size &= ~size_t{15};
        if (size < needed) return 0;
        if (__atomic_compare_exchange_n(&c->cursor, &cursor, cursor + size, true, __ATOMIC_ACQ_REL,
                                        __ATOMIC_RELAXED)) {
            *taken = size;
            return cursor;
        }
    }
}

}  // namespace sealkit
