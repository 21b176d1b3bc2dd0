#include "protected/protected_registry.h"

#include <errno.h>
#include <sys/mman.h>

#include "backend/backend.h"
#include "concurrency/spin_lock.h"
#include <stdlib.h>

#include "startup/loaded_image.h"
#include "startup/startup_set.h"
#include "system/syscalls.h"

namespace sealkit::protected_memory {
namespace {

struct guarded_range {
    uintptr_t start;
    uintptr_t end;
    unsigned writers;
    bool frozen;
    bool allocated;  // made by sealkit_protected_allocate
};

// A fixed table: protected memory is a handful of globals and blocks per
// process, and this code runs inside arbitrary C programs (no allocator
// state to corrupt, nothing to free).
constexpr size_t kCapacity = 1024;
guarded_range g_ranges[kCapacity];
size_t g_count = 0;
int g_lock = 0;

struct lock_guard : spin_lock_guard {
    lock_guard() : spin_lock_guard(g_lock) {}
};

bool overlaps(const guarded_range &r, uintptr_t start, uintptr_t end) { return r.start < end && start < r.end; }

guarded_range *find_exact(uintptr_t start, uintptr_t end) {
    for (size_t i = 0; i < g_count; ++i)
        if (g_ranges[i].start == start && g_ranges[i].end == end) return &g_ranges[i];
    return nullptr;
}

bool any_frozen_overlapping(uintptr_t start, uintptr_t end) {
    for (size_t i = 0; i < g_count; ++i)
        if (g_ranges[i].frozen && overlaps(g_ranges[i], start, end)) return true;
    return false;
}

bool any_writer_overlapping(uintptr_t start, uintptr_t end) {
    for (size_t i = 0; i < g_count; ++i)
        if (g_ranges[i].writers && overlaps(g_ranges[i], start, end)) return true;
    return false;
}

guarded_range *find_or_add(uintptr_t start, uintptr_t end) {
    if (guarded_range *existing = find_exact(start, end)) return existing;
    if (g_count == kCapacity) return nullptr;
    g_ranges[g_count] = guarded_range{start, end, 0, false, false};
    return &g_ranges[g_count++];
}

long protect_and_seal(uintptr_t start, uintptr_t end) {
    if (end <= start) return 0;
    if (long result = sys::protect(start, end - start, PROT_READ)) return result;
    return active_backend().seal(start, end - start);
}

// Calls act(piece_start, piece_end) for each part of [start, end) that no
// range other than self for which covers(range) holds overlaps, lowest
// first; stops at the first non-zero result.
template <typename Covers, typename Act>
long for_each_uncovered_piece(const guarded_range *self, uintptr_t start, uintptr_t end, Covers covers, Act act) {
    uintptr_t cursor = start;
    while (cursor < end) {
        const guarded_range *next = nullptr;  // the lowest covering range still ahead
        for (size_t i = 0; i < g_count; ++i) {
            const guarded_range &r = g_ranges[i];
            if (&r != self && covers(r) && overlaps(r, cursor, end) && (!next || r.start < next->start)) next = &r;
        }
        uintptr_t piece_end = next ? (next->start > cursor ? next->start : cursor) : end;
        if (piece_end > cursor) {
            if (long result = act(cursor, piece_end)) return result;
        }
        cursor = next ? next->end : end;
    }
    return 0;
}

// Freezes [start, end) except the parts already frozen (their protection
// can no longer change, so mprotect over them would fail).
long freeze_locked(uintptr_t start, uintptr_t end) {
    guarded_range *range = find_exact(start, end);
    if (range && range->frozen) return 0;
    if (any_writer_overlapping(start, end)) return -EBUSY;
    if (range == nullptr && (range = find_or_add(start, end)) == nullptr) return -ENOMEM;
    if (long result = for_each_uncovered_piece(
            range, start, end, [](const guarded_range &r) { return r.frozen; }, protect_and_seal))
        return result;
    range->frozen = true;
    return 0;
}

}  // namespace

long begin_write(uintptr_t start, size_t length) {
    lock_guard guard;
    const uintptr_t end = start + length;
    if (any_frozen_overlapping(start, end)) return -EPERM;
    guarded_range *range = find_or_add(start, end);
    if (range == nullptr) return -ENOMEM;
    if (range->writers == 0) {
        if (long result = sys::protect(start, length, PROT_READ | PROT_WRITE)) return result;
    }
    ++range->writers;
    return 0;
}

long end_write(uintptr_t start, size_t length) {
    lock_guard guard;
    guarded_range *range = find_exact(start, start + length);
    if (range == nullptr || range->writers == 0) return -EINVAL;
    if (--range->writers != 0) return 0;
    // Read-only again, except where another range's writer scope is open.
    return for_each_uncovered_piece(
        range, start, start + length, [](const guarded_range &r) { return r.writers > 0; },
        [](uintptr_t from, uintptr_t to) { return sys::protect(from, to - from, PROT_READ); });
}

long freeze(uintptr_t start, size_t length) {
    lock_guard guard;
    return freeze_locked(start, start + length);
}

bool is_frozen(uintptr_t start, size_t length) {
    lock_guard guard;
    for (size_t i = 0; i < g_count; ++i)
        if (g_ranges[i].frozen && g_ranges[i].start <= start && start + length <= g_ranges[i].end) return true;
    return false;
}

void lock(uintptr_t start, size_t length) {
    lock_guard guard;
    const uintptr_t end = start + length;
    if (any_frozen_overlapping(start, end) || any_writer_overlapping(start, end)) return;
    sys::protect(start, length, PROT_READ);
}

long remember_allocation(uintptr_t start, size_t length) {
    lock_guard guard;
    guarded_range *range = find_or_add(start, start + length);
    if (range == nullptr) return -ENOMEM;
    range->allocated = true;
    return 0;
}

long freeze_all() {
    startup::image_list images;
    if (long error = startup::enumerate_loaded_images(images)) return error;
    // Only objects that can never be unloaded: a sealed section inside a
    // dlopen'ed plugin would make its dlclose leave the whole plugin mapped.
    bool *permanent = images.count ? static_cast<bool *>(malloc(images.count)) : nullptr;
    if (images.count && permanent == nullptr) {
        startup::release(images);
        return -ENOMEM;
    }
    startup::mark_permanent_images(images, permanent);
    lock_guard guard;
    long first_error = 0;
    for (size_t i = 0; i < images.count; ++i) {
        const startup::address_range &section = images.items[i].protected_data;
        if (section.empty() || !permanent[i]) continue;
        long result = freeze_locked(section.start, section.end);
        if (result != 0 && first_error == 0) first_error = result;
    }
    free(permanent);
    startup::release(images);
    for (size_t i = 0; i < g_count; ++i) {
        if (!g_ranges[i].allocated) continue;
        long result = freeze_locked(g_ranges[i].start, g_ranges[i].end);
        if (result != 0 && first_error == 0) first_error = result;
    }
    return first_error;
}

}  // namespace sealkit::protected_memory
