// The sealed arena (sealed_arena.h).
//
// Chunk layout: [guard][data pages][guard] (arena_chunk.h). The guards are
// PROT_NONE and sealed when the chunk is made. Small requests (up to 256
// bytes at an alignment up to 64) are served from the calling thread's
// piece of a chunk by a plain pointer bump (thread_pieces.h); a thread
// takes a piece with one compare-and-swap on the chunk's cursor. Larger
// requests bump the chunk's cursor themselves, one compare-and-swap each.
// Only making a new chunk takes the lock. Freezing a chunk is exactly two
// system calls: mprotect(data, PROT_READ) and a seal over the data.
//
// Waste. A thread's piece is at most 16 KiB (1 KiB for its first piece of
// an arena, doubling) and at most 1/8 of what its chunk has left, so
// pieces shrink towards a chunk's end; when what is left cannot make a
// piece for the request (fewer than 8 requests' worth), the request bumps
// the chunk exactly. A chunk is therefore given up for a new one only when
// the request does not fit in what is left of it, as without pieces.
// Bytes are never handed out twice but may be left unused:
// - what other threads hold in their pieces stays theirs to hand out (at
//   most one piece per thread and arena, 16 KiB);
// - a thread whose piece cannot hold a request takes a new piece and gives
//   up the old one's tail, smaller than the request plus its alignment
//   (under 256 + 63 bytes), unless the new piece continues the old one,
//   which then grows (the usual case with one allocating thread);
// - a piece's tail goes back to its chunk when nothing was taken after it
//   (near the chunk's end, when the thread uses more than four arenas, at
//   a freeze) and is given up otherwise, also when its thread exits.
// With one thread making small requests, a chunk is used up to less than
// the request that did not fit (tests/unit/sealed_arena_pieces_test.cpp).
// Statistics count given-up bytes as not handed out, and pieces other
// threads still hold as handed out.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "api/c_result.h"
#include "arena/arena_chunk.h"
#include "arena/thread_pieces.h"
#include "backend/backend.h"
#include "concurrency/spin_lock.h"
#include "sealkit/sealed_arena.h"
#include "system/syscalls.h"

namespace sys = sealkit::sys;
using sealkit::arena_chunk;
using sealkit::thread_piece;

namespace {

constexpr size_t kDefaultChunk = 256 * 1024;

using chunk = arena_chunk;

// The source of arena stamps (thread_pieces.h): unique in the process,
// never 0 (0 marks a table entry with no piece). 64 bits never wrap.
uint64_t g_last_stamp = 0;

uint64_t new_stamp() { return __atomic_add_fetch(&g_last_stamp, 1, __ATOMIC_RELAXED); }

// This thread's pieces. Initial-exec TLS: the table sits in the static TLS
// block, so reaching it is one %fs-relative access, with no __tls_get_addr
// call even in libsealkit.so; a plain array is constant-initialised, so no
// TLS wrapper or guard and nothing from libstdc++.
__attribute__((tls_model("initial-exec"))) thread_local sealkit::thread_piece_table t_pieces;

}  // namespace

struct sealkit_arena {
    // Changes at every freeze (thread_pieces.h). Written under the lock
    // with release order after `current` is cleared, read with acquire.
    uint64_t stamp;
    size_t chunk_size;
    unsigned flags;
    chunk *current;  // atomically read by allocate; null: make a new chunk
    chunk **chunks;  // every chunk, for freeze and stats (under lock)
    size_t count;
    size_t capacity;
    int lock;
};

namespace {

struct arena_lock : sealkit::spin_lock_guard {
    explicit arena_lock(sealkit_arena *arena) : spin_lock_guard(arena->lock) {}
};

using sealkit::align_up;
using sealkit::bump;

// Maps [guard][data_size][guard], seals the guards, applies the options.
long make_chunk(sealkit_arena *arena, size_t data_size, chunk **made) {
    const size_t page = sys::page_size();
    const size_t total = data_size + 2 * page;
    uintptr_t base = sys::map_anonymous(total, PROT_NONE);
    if (sys::is_error(base)) return sys::error_of(base);
    const uintptr_t data = base + page;
    long result = sys::protect(data, data_size, PROT_READ | PROT_WRITE);
    if (result == 0 && (arena->flags & SEALKIT_ARENA_LOCK)) result = sys::lock_in_memory(data, data_size);
    // Best effort: a kernel without MADV_DONTDUMP still gives usable memory.
    if (result == 0 && (arena->flags & SEALKIT_ARENA_DONT_DUMP)) sys::advise(data, data_size, MADV_DONTDUMP);
    if (result == 0 && (arena->flags & SEALKIT_ARENA_WIPE_ON_FORK))
        result = sys::advise(data, data_size, MADV_WIPEONFORK);
    // Guards: sealed now, so an overflow always faults and no call can
    // ever make the guard pages accessible or unmap them.
    // One batch: under the seccomp backend that is one filter, not two.
    const sealkit::page_span guards[] = {{base, base + page}, {data + data_size, data + data_size + page}};
    if (result == 0) result = sealkit::active_backend().seal_batch(guards, 2);
    chunk *c = nullptr;
    if (result == 0) {
        c = static_cast<chunk *>(malloc(sizeof(chunk)));
        if (c == nullptr) result = -ENOMEM;
    }
    if (result == 0 && arena->count == arena->capacity) {
        size_t capacity = arena->capacity ? arena->capacity * 2 : 8;
        auto **grown = static_cast<chunk **>(realloc(arena->chunks, capacity * sizeof(chunk *)));
        if (grown == nullptr) result = -ENOMEM;
        else {
            arena->chunks = grown;
            arena->capacity = capacity;
        }
    }
    if (result != 0) {
        free(c);
        // Sealed guards cannot be unmapped: unmap only what is not sealed.
        // (The kernel's munmap refuses the whole call if any page is sealed.)
        if (sys::unmap(base, total) != 0) sys::unmap(data, data_size);
        return result;
    }
    *c = chunk{data, data + data_size, data, 0, 0, false};
    arena->chunks[arena->count++] = c;
    *made = c;
    return 0;
}

// Replaces c, the arena's current chunk, which could not serve a request
// of `needed` bytes, with a new chunk (unless another thread already did).
// 0 or -errno.
long replace_current_chunk(sealkit_arena *arena, chunk *c, size_t needed) {
    arena_lock guard(arena);
    if (__atomic_load_n(&arena->current, __ATOMIC_ACQUIRE) != c) return 0;  // another thread made one
    // A fresh chunk's data starts page aligned and align <= page, so the
    // allocation fits at its start: no slack for alignment.
    const size_t page = sys::page_size();
    needed = (needed + page - 1) & ~(page - 1);
    chunk *made;
    if (long result = make_chunk(arena, needed > arena->chunk_size ? needed : arena->chunk_size, &made))
        return result;
    __atomic_store_n(&arena->current, made, __ATOMIC_RELEASE);
    return 0;
}

void *fail_allocation(long result) {
    errno = static_cast<int>(-result);
    return nullptr;
}

// The shared path, for requests too large or too aligned for pieces: one
// compare-and-swap on the current chunk's cursor.
void *allocate_exactly(sealkit_arena *arena, size_t size, size_t align) {
    for (;;) {
        chunk *c = __atomic_load_n(&arena->current, __ATOMIC_ACQUIRE);
        if (c != nullptr)
            if (uintptr_t at = bump(c, size, align)) return reinterpret_cast<void *>(at);
        if (long result = replace_current_chunk(arena, c, size)) return fail_allocation(result);
    }
}

// A small request that the thread's first piece could not serve: from the
// arena's entry further down the table, or from a new piece, or exactly
// when the current chunk is nearly full.
void *allocate_from_new_piece(sealkit_arena *arena, size_t size, size_t align) {
    thread_piece &mine = sealkit::piece_of(t_pieces, arena);
    // The stamp before the chunk: see sealkit_arena_freeze.
    const uint64_t stamp = __atomic_load_n(&arena->stamp, __ATOMIC_ACQUIRE);
    if (mine.stamp == stamp)
        if (uintptr_t at = sealkit::serve(mine, size, align)) return reinterpret_cast<void *>(at);
    for (;;) {
        chunk *c = __atomic_load_n(&arena->current, __ATOMIC_ACQUIRE);
        if (c != nullptr) {
            size_t taken = 0;
            if (uintptr_t start =
                    sealkit::take_piece(c, mine.next_size, sealkit::piece_needed_for(size, align), &taken)) {
                sealkit::refill(mine, stamp, c, start, taken);
                // The piece was taken large enough for this request.
                return reinterpret_cast<void *>(sealkit::serve(mine, size, align));
            }
            // Too little left for a piece (fewer than 8 such requests): the
            // last bytes go exactly, and this thread's piece goes back to
            // the chunk first if it can.
            if (mine.from == c) sealkit::give_back(mine);
            if (uintptr_t at = bump(c, size, align)) return reinterpret_cast<void *>(at);
        }
        if (long result = replace_current_chunk(arena, c, size)) return fail_allocation(result);
    }
}

__attribute__((noinline)) void *allocate_slowly(sealkit_arena *arena, size_t size, size_t align) {
    const size_t page = sys::page_size();
    if (arena == nullptr || size == 0 || align == 0 || (align & (align - 1)) != 0 || align > page ||
        size > SIZE_MAX / 2) {
        errno = EINVAL;
        return nullptr;
    }
    if (size <= sealkit::kLargestCachedSize && align <= sealkit::kLargestCachedAlign)
        return allocate_from_new_piece(arena, size, align);
    return allocate_exactly(arena, size, align);
}

}  // namespace

extern "C" sealkit_arena *sealkit_arena_create(const sealkit_arena_options *options) {
    auto *arena = static_cast<sealkit_arena *>(calloc(1, sizeof(sealkit_arena)));
    if (arena == nullptr) return nullptr;
    const size_t page = sys::page_size();
    size_t size = options && options->chunk_size ? options->chunk_size : kDefaultChunk;
    arena->chunk_size = (size + page - 1) & ~(page - 1);
    arena->flags = options ? options->flags : 0;
    arena->stamp = new_stamp();
    return arena;
}

extern "C" void *sealkit_arena_allocate(sealkit_arena *arena, size_t size, size_t align) {
    // The fast path: a small request from this thread's first piece, if it
    // is a piece of this arena taken since the arena's last freeze (the
    // stamps are equal; an empty entry's stamp is 0, never an arena's).
    // size - 1 and align - 1 wrap around for 0, which the slow path rejects.
    // (serve(), spelled out: one comparison with the limit suffices, as a
    // piece's bytes are user addresses and size is small, so nothing wraps
    // around, and the block is returned without testing it for 0.)
    thread_piece &first = t_pieces[0];
    if (arena != nullptr && size - 1 < sealkit::kLargestCachedSize && align - 1 < sealkit::kLargestCachedAlign &&
        (align & (align - 1)) == 0) {
        const uintptr_t start = align_up(first.cursor, align);
        if (first.stamp == __atomic_load_n(&arena->stamp, __ATOMIC_ACQUIRE) && start + size <= first.limit) {
            first.cursor = start + size;
            return reinterpret_cast<void *>(start);
        }
    }
    return allocate_slowly(arena, size, align);
}

extern "C" int sealkit_arena_freeze(sealkit_arena *arena) {
    if (arena == nullptr) return sealkit::fail_with(-EINVAL);
    arena_lock guard(arena);
    // New allocations go to a fresh chunk from now on.
    __atomic_store_n(&arena->current, static_cast<chunk *>(nullptr), __ATOMIC_RELEASE);
    // And no thread serves from a piece taken before now: a new stamp
    // retires every piece at once. Why that holds:
    // - An allocation ordered after this freeze (made by this thread later,
    //   or by a thread that learned the freeze returned) reads this stamp
    //   or a later one (write-read coherence: a relaxed load would do), so
    //   its first piece no longer matches and it takes the slow path.
    // - The slow path reads the stamp (acquire) before `current`, and the
    //   stamp is published (release) after `current` was cleared above: a
    //   thread that read the new stamp finds no chunk or a chunk made after
    //   this freeze, so a piece tagged with the new stamp never lies in a
    //   chunk this freeze seals. A piece taken from a chunk read before the
    //   clear carries the old stamp and is never served from again.
    // - An allocation concurrent with the freeze (ordered neither way) may
    //   still be served from an old piece, or win the exchange below: it
    //   is then before the freeze and its block is frozen with its chunk,
    //   as with a compare-and-swap that wins the race. Freezing while other
    //   threads still allocate and initialise is misuse (sealed_arena.h).
    __atomic_store_n(&arena->stamp, new_stamp(), __ATOMIC_RELEASE);
    // This thread's own piece goes back to its chunk (or is given up), so
    // statistics do not count it as handed out.
    if (thread_piece *mine = sealkit::find_piece(t_pieces, arena)) sealkit::give_back(*mine);
    for (size_t i = 0; i < arena->count; ++i) {
        chunk *c = arena->chunks[i];
        if (c->frozen) continue;
        // Nothing more can be bumped out of it: it is full as of now.
        // (A freeze that failed part way already moved some cursors.)
        const uintptr_t used = __atomic_exchange_n(&c->cursor, sealkit::kFrozenCursor, __ATOMIC_ACQ_REL);
        if (used != sealkit::kFrozenCursor) c->used_at_freeze = used;
        const size_t length = c->limit - c->data;
        if (long result = sys::protect(c->data, length, PROT_READ)) return sealkit::fail_with(result);
        if (long result = sealkit::active_backend().seal(c->data, length)) return sealkit::fail_with(result);
        c->frozen = true;
    }
    return 0;
}

extern "C" int sealkit_arena_get_stats(const sealkit_arena *arena, sealkit_arena_stats *stats) {
    if (arena == nullptr || stats == nullptr) return sealkit::fail_with(-EINVAL);
    auto *mutable_arena = const_cast<sealkit_arena *>(arena);
    arena_lock guard(mutable_arena);
    *stats = sealkit_arena_stats{};
    stats->chunks = arena->count;
    for (size_t i = 0; i < arena->count; ++i) {
        const chunk *c = arena->chunks[i];
        stats->bytes_mapped += c->limit - c->data;
        uintptr_t used = __atomic_load_n(&c->cursor, __ATOMIC_RELAXED);
        if (used == sealkit::kFrozenCursor) used = c->used_at_freeze;
        stats->bytes_allocated += used - c->data - __atomic_load_n(&c->abandoned, __ATOMIC_RELAXED);
        if (c->frozen) ++stats->frozen_chunks;
    }
    // What this thread's piece still holds is not handed out yet (other
    // threads' pieces are counted: sealed_arena.h).
    const thread_piece *mine = sealkit::find_piece(t_pieces, arena);
    if (mine != nullptr && mine->from != nullptr && mine->stamp == __atomic_load_n(&arena->stamp, __ATOMIC_ACQUIRE))
        stats->bytes_allocated -= mine->limit - mine->cursor;
    return 0;
}
