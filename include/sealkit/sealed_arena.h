/*
 * sealed_arena.h: memory for objects that live as long as the process,
 * allocated by bumping a pointer and then frozen: read-only and sealed.
 *
 * Threat model
 * ------------
 * For data built at start-up and never changed again (parsed policy,
 * lookup tables, key material that must not be altered). After
 * sealkit_arena_freeze() the arena's pages are read-only and sealed: no
 * write primitive changes them and no memory-management system call
 * (mprotect, munmap, mremap, mmap(MAP_FIXED), MADV_DONTNEED) can make them
 * writable, move them or discard them. Every chunk sits between two
 * PROT_NONE guard pages, sealed from the start, so an overflow off either
 * end faults and the guards can never be unmapped or made accessible.
 * Not stopped: writes through /proc/self/mem or ptrace, and writes to
 * memory allocated after the last freeze (freeze again).
 *
 * Memory is never returned. A sealed range cannot be unmapped (that is the
 * point of the seal), so an arena has no free and no destroy: use it only
 * for data that lives as long as the process.
 *
 * Example
 * -------
 *     struct sealkit_arena *arena = sealkit_arena_create(NULL);
 *     struct rule *rules = sealkit_arena_allocate(arena, n * sizeof *rules,
 *                                                 _Alignof(struct rule));
 *     parse_rules(rules, n);
 *     if (sealkit_arena_freeze(arena) != 0) err(1, "freeze");
 *     // rules[] is now read-only and sealed.
 *
 * Allocation is thread-safe and lock-free in the common case; freezing
 * takes a lock and must happen after every allocation it should cover has
 * been initialised. Memory comes zero-filled: it is fresh anonymous memory
 * and never reused.
 *
 * Small requests (up to 256 bytes at an alignment up to 64) come from a
 * piece of a chunk that the calling thread holds (1 KiB growing to 16 KiB,
 * taken with one atomic operation), so they cost a pointer bump and no
 * atomic operation; larger ones take one atomic operation each. A freeze
 * retires every thread's piece at once: no allocation that follows it is
 * served from frozen memory. Bytes a thread holds are its own to hand out;
 * a thread that exits leaves the rest of its pieces unused (at most 16 KiB
 * per arena). The library keeps each thread's pieces in static TLS (a few
 * hundred bytes), so dlopen() of libsealkit.so needs that much of the
 * static TLS surplus, which glibc reserves by default. Allocation is not
 * async-signal-safe.
 */
#ifndef SEALKIT_SEALED_ARENA_H
#define SEALKIT_SEALED_ARENA_H

#include <stddef.h>

#include "sealkit/sealkit.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sealkit_arena_flags {
    SEALKIT_ARENA_LOCK = 1u << 0,         /* mlock every chunk: never swapped out */
    SEALKIT_ARENA_DONT_DUMP = 1u << 1,    /* MADV_DONTDUMP: left out of core dumps */
    SEALKIT_ARENA_WIPE_ON_FORK = 1u << 2, /* MADV_WIPEONFORK: a forked child sees zeros */
};

struct sealkit_arena_options {
    size_t chunk_size;  /* bytes per chunk, rounded up to pages; 0: 256 KiB */
    unsigned flags;     /* enum sealkit_arena_flags */
};

struct sealkit_arena;

/* A new, empty arena; options may be NULL. NULL with errno set on failure. */
SEALKIT_API struct sealkit_arena *sealkit_arena_create(const struct sealkit_arena_options *options);

/* size bytes aligned to align (a power of two, at most the page size), or
 * NULL with errno: EINVAL for a bad alignment or size 0, ENOMEM when no
 * chunk could be mapped, mlock's errno (ENOMEM, EPERM, EAGAIN) when a chunk
 * could not be locked with SEALKIT_ARENA_LOCK, the errno of MADV_WIPEONFORK,
 * ENOSYS when no backend can seal the guard pages (an arena never
 * pretends). MADV_DONTDUMP is best effort. */
SEALKIT_API void *sealkit_arena_allocate(struct sealkit_arena *arena, size_t size, size_t align);

/* Makes every chunk allocated from so far read-only and sealed (two system
 * calls per chunk); later allocations go to fresh pages that the next
 * freeze covers. 0, or -1 with errno (ENOSYS: no backend can seal). */
SEALKIT_API int sealkit_arena_freeze(struct sealkit_arena *arena);

struct sealkit_arena_stats {
    size_t chunks;          /* chunks mapped */
    size_t frozen_chunks;
    size_t bytes_allocated; /* bytes handed out, alignment padding included,
                               and what other threads hold in their pieces */
    size_t bytes_mapped;    /* data pages, guards not counted */
};
SEALKIT_API int sealkit_arena_get_stats(const struct sealkit_arena *arena, struct sealkit_arena_stats *stats);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SEALKIT_SEALED_ARENA_H */
