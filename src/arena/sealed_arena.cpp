// The sealed arena (sealed_arena.h).
//
// Chunk layout: [guard][data pages][guard]. The guards are PROT_NONE and
// sealed when the chunk is made. Allocation bumps the current chunk's
// cursor with a compare-and-swap; only making a new chunk takes the lock.
// Freezing a chunk is exactly two system calls: mprotect(data, PROT_READ)
// and a seal over the data.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "api/c_result.h"
#include "backend/backend.h"
#include "concurrency/spin_lock.h"
#include "sealkit/sealed_arena.h"
#include "system/syscalls.h"

namespace sys = sealkit::sys;

namespace {

constexpr size_t kDefaultChunk = 256 * 1024;

struct chunk {
    uintptr_t data;    // first data byte (page aligned)
    uintptr_t limit;   // one past the last data byte
    uintptr_t cursor;  // next free byte; atomically bumped
    uintptr_t used_at_freeze;  // the cursor when the chunk was frozen
    bool frozen;
};

}  // namespace

struct sealkit_arena {
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

uintptr_t align_up(uintptr_t value, size_t align) { return (value + align - 1) & ~(uintptr_t{align} - 1); }

// Bumps c's cursor for size bytes at align. The address, or 0 when the
// chunk is full (or frozen).
uintptr_t bump(chunk *c, size_t size, size_t align) {
    uintptr_t cursor = __atomic_load_n(&c->cursor, __ATOMIC_RELAXED);
    for (;;) {
        uintptr_t start = align_up(cursor, align);
        if (start < cursor || start > c->limit || size > c->limit - start) return 0;
        if (__atomic_compare_exchange_n(&c->cursor, &cursor, start + size, true, __ATOMIC_ACQ_REL,
                                        __ATOMIC_RELAXED))
            return start;
    }
}

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
    *c = chunk{data, data + data_size, data, 0, false};
    arena->chunks[arena->count++] = c;
    *made = c;
    return 0;
}

}  // namespace

extern "C" sealkit_arena *sealkit_arena_create(const sealkit_arena_options *options) {
    auto *arena = static_cast<sealkit_arena *>(calloc(1, sizeof(sealkit_arena)));
    if (arena == nullptr) return nullptr;
    const size_t page = sys::page_size();
    size_t size = options && options->chunk_size ? options->chunk_size : kDefaultChunk;
    arena->chunk_size = (size + page - 1) & ~(page - 1);
    arena->flags = options ? options->flags : 0;
    return arena;
}

extern "C" void *sealkit_arena_allocate(sealkit_arena *arena, size_t size, size_t align) {
    const size_t page = sys::page_size();
    if (arena == nullptr || size == 0 || align == 0 || (align & (align - 1)) != 0 || align > page ||
        size > SIZE_MAX / 2) {
        errno = EINVAL;
        return nullptr;
    }
    for (;;) {
        chunk *c = __atomic_load_n(&arena->current, __ATOMIC_ACQUIRE);
        if (c != nullptr) {
            // One atomic operation per allocation: statistics are derived
            // from the cursors, not counted here.
            if (uintptr_t at = bump(c, size, align)) return reinterpret_cast<void *>(at);
        }
        arena_lock guard(arena);
        if (__atomic_load_n(&arena->current, __ATOMIC_ACQUIRE) != c) continue;  // another thread made one
        // A fresh chunk's data starts page aligned and align <= page, so the
        // allocation fits at its start: no slack for alignment.
        size_t needed = (size + page - 1) & ~(page - 1);
        chunk *made;
        if (long result = make_chunk(arena, needed > arena->chunk_size ? needed : arena->chunk_size, &made)) {
            errno = static_cast<int>(-result);
            return nullptr;
        }
        __atomic_store_n(&arena->current, made, __ATOMIC_RELEASE);
    }
}

extern "C" int sealkit_arena_freeze(sealkit_arena *arena) {
    if (arena == nullptr) return sealkit::fail_with(-EINVAL);
    arena_lock guard(arena);
    // New allocations go to a fresh chunk from now on.
    __atomic_store_n(&arena->current, static_cast<chunk *>(nullptr), __ATOMIC_RELEASE);
    for (size_t i = 0; i < arena->count; ++i) {
        chunk *c = arena->chunks[i];
        if (c->frozen) continue;
        // Nothing more can be bumped out of it: it is full as of now.
        c->used_at_freeze = __atomic_exchange_n(&c->cursor, c->limit, __ATOMIC_ACQ_REL);
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
        uintptr_t used = c->frozen ? c->used_at_freeze : __atomic_load_n(&c->cursor, __ATOMIC_RELAXED);
        stats->bytes_allocated += used - c->data;
        if (c->frozen) ++stats->frozen_chunks;
    }
    return 0;
}
