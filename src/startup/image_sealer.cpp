#include "startup/image_sealer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "procfs/mappings_reader.h"
#include "procfs/seal_query.h"
#include "startup/loaded_image.h"
#include "startup/relro_relocation.h"
#include "seccomp/seal_enforcer.h"
#include "startup/startup_set.h"
#include "system/syscalls.h"

namespace sealkit::startup {
namespace {

// The globals written on every call live in .data, not .bss: the loader
// has already written the page that holds .data, while the first write to
// a .bss page is a page fault (about 10 us at start-up on virtualised
// machines).
#define SEALKIT_IN_WRITTEN_PAGE __attribute__((section(".data")))

// Reports of the last call (process lifetime when the preload made them):
// g_report_storage for ordinary programs, else the heap.
constexpr size_t kStoredReports = 16;
sealkit_image_report g_report_storage[kStoredReports] SEALKIT_IN_WRITTEN_PAGE;
// Whether a call has written g_report_storage: the first call finds it
// zero, as loaded, and skips libc's memset (a page fault at start-up).
bool g_report_storage_written SEALKIT_IN_WRITTEN_PAGE = false;
sealkit_image_report *g_reports SEALKIT_IN_WRITTEN_PAGE = nullptr;

// Without malloc for ordinary programs: a process's first malloc costs
// system calls (brk, getrandom) and page faults, on every program start.
constexpr size_t kListedOnStack = 12;

// Room for kListedOnStack images that enumeration fills in; left
// uninitialised (an array of loaded_image would be zeroed first, a libc
// memset of 3 KiB).
union unfilled_images {
    unfilled_images() {}
    loaded_image items[kListedOnStack];
};
size_t g_report_count SEALKIT_IN_WRITTEN_PAGE = 0;

// Under the seccomp backend every seal adds a permanent filter to a chain
// the kernel limits, so the pieces of all images are collected here and
// sealed in one batch (one filter) at the end; the kernel backend seals
// each piece at once. Set only while seal_loaded_images runs.
struct pending_seals {
    page_span *ranges = nullptr;
    sealkit_image_report **owners = nullptr;
    size_t count = 0;
    size_t capacity = 0;

    bool add(uintptr_t start, uintptr_t end, sealkit_image_report *owner) {
        if (count == capacity) {
            const size_t grown = capacity ? 2 * capacity : 64;
            auto *r = static_cast<page_span *>(realloc(ranges, grown * sizeof *ranges));
            if (r == nullptr) return false;
            ranges = r;
            auto *o = static_cast<sealkit_image_report **>(realloc(owners, grown * sizeof *owners));
            if (o == nullptr) return false;
            owners = o;
            capacity = grown;
        }
        ranges[count] = {start, end};
        owners[count++] = owner;
        return true;
    }
    ~pending_seals() {
        free(ranges);
        free(owners);
    }
};
pending_seals *g_batch SEALKIT_IN_WRITTEN_PAGE = nullptr;
// Under kSealStrict: every range sealed (or batched), to be made strict in
// one filter at the end. Set only while seal_images runs strict.
pending_seals *g_strict SEALKIT_IN_WRITTEN_PAGE = nullptr;

long seal_now_or_batch(uintptr_t start, size_t length, sealkit_image_report &entry) {
    if (g_batch == nullptr) {
        ++entry.seal_calls;
        return active_backend().seal(start, length);
    }
    if (long mapped = sys::check_fully_mapped(start, length)) return mapped;
    return g_batch->add(start, start + length, &entry) ? 0 : -ENOMEM;
}

// Seals [start, start + length) now, or adds it to the batch; remembers it
// for the strict filter when one is wanted.
long seal_now_or_later(uintptr_t start, size_t length, sealkit_image_report &entry) {
    long result = seal_now_or_batch(start, length, entry);
    if (result == 0 && g_strict != nullptr && !g_strict->add(start, start + length, &entry)) return -ENOMEM;
    return result;
}

// sealkit_seal_strict's discard rule on every range sealed, in one filter
// whatever the backend: the kernel's seal lets MADV_DONTNEED revert a
// sealed private file mapping (text, rodata) to the bytes on disk, OpenBSD's
// mimmutable does not. Ranges whose object failed are left out.
void make_strict(const pending_seals &sealed) {
    size_t kept = 0;
    for (size_t i = 0; i < sealed.count; ++i)
        if (sealed.owners[i]->error == 0) {
            sealed.ranges[kept] = sealed.ranges[i];
            sealed.owners[kept++] = sealed.owners[i];
        }
    if (kept == 0) return;
    const long result = seccomp::enforce(sealed.ranges, kept, seccomp::kRefuseDiscard);
    if (result == 0) return;
    for (size_t i = 0; i < kept; ++i)
        if (sealed.owners[i]->error == 0) {
            sealed.owners[i]->error = static_cast<int>(-result);
            sealed.owners[i]->error_step = "strict";
        }
}

long seal_run(uintptr_t start, size_t length, void *context) {
    auto &entry = *static_cast<sealkit_image_report *>(context);
    long result = seal_now_or_later(start, length, entry);
    if (result == 0) {
        ++entry.runs;
        entry.bytes_sealed += length;
    }
    return result;
}

// Seals one contiguous piece: one call when it is fully mapped (the norm:
// glibc reserves an object's whole span, gaps included), one per mapped run
// when something left a hole in it.
long seal_piece(address_range piece, sealkit_image_report &entry) {
    if (piece.empty()) return 0;
    long result = seal_now_or_later(piece.start, piece.length(), entry);
    if (result == 0) {
        ++entry.runs;
        entry.bytes_sealed += piece.length();
        return 0;
    }
    if (result != -ENOMEM) return result;
    return procfs::for_each_mapped_run(piece.start, piece.length(), seal_run, &entry);
}

// The span minus the ranges that must stay changeable (PT_GNU_MUTABLE,
// PT_OPENBSD_MUTABLE, and protected data until it is frozen), sealed piece
// by piece in address order.
long seal_span_except_mutable(const loaded_image &image, sealkit_image_report &entry) {
    address_range holes[kMaxMutableRanges + 1];
    int count = image.mutable_count;
    memcpy(holes, image.mutable_ranges, sizeof(address_range) * static_cast<size_t>(count));
    if (!image.protected_data.empty()) holes[count++] = image.protected_data;
    // Insertion sort: a handful of ranges at most.
    for (int i = 1; i < count; ++i)
        for (int j = i; j > 0 && holes[j].start < holes[j - 1].start; --j) {
            address_range swap = holes[j];
            holes[j] = holes[j - 1];
            holes[j - 1] = swap;
        }
    entry.mutable_ranges = static_cast<unsigned>(count);
    uintptr_t cursor = image.span.start;
    for (int i = 0; i < count; ++i) {
        entry.mutable_bytes += holes[i].length();
        if (holes[i].start > cursor) {
            uintptr_t end = holes[i].start < image.span.end ? holes[i].start : image.span.end;
            if (long result = seal_piece({cursor, end}, entry)) return result;
        }
        if (holes[i].end > cursor) cursor = holes[i].end;
    }
    if (cursor < image.span.end) return seal_piece({cursor, image.span.end}, entry);
    return 0;
}

// [vvar] and [vvar_vclock] sit beside the vDSO; sealed with it on request.
bool collect_vvar(const procfs::mapping &m, void *context) {
    auto &entry = *static_cast<sealkit_image_report *>(context);
    const char *name = m.path;
    if (strcmp(name, "[vvar]") == 0 || strcmp(name, "[vvar_vclock]") == 0) {
        if (seal_piece({m.start, m.end}, entry) != 0 && entry.error == 0) {
            entry.error = EPERM;
            entry.error_step = "vvar";
        }
    }
    return true;
}

void fail(sealkit_image_report &entry, long result, const char *step) {
    if (entry.error != 0) return;
    entry.error = static_cast<int>(-result);
    entry.error_step = step;
}

// Why image is left unsealed (SEALKIT_SKIP_NONE: it is sealed), decided
// for every image before anything changes, so the RELRO of exactly the
// sealed ones can be copied in one pass.
int skip_reason_of(const loaded_image &image, bool permanent, bool program_marked, unsigned flags) {
    if (image.span.empty()) return SEALKIT_SKIP_NO_SEGMENTS;
    if (image.is_vdso && !(flags & SEALKIT_SEAL_VDSO)) return SEALKIT_SKIP_VDSO;
    if (!permanent) return SEALKIT_SKIP_UNLOADABLE;
    if ((flags & SEALKIT_ONLY_MARKED) && !(program_marked && image.marked_for_sealing) && !image.is_vdso)
        return SEALKIT_SKIP_NOT_MARKED;
    if ((flags & SEALKIT_SKIP_SEALED) && active_backend().is_sealed(image.span.start, image.span.length()) == 1)
        return SEALKIT_SKIP_ALREADY_SEALED;
    return SEALKIT_SKIP_NONE;
}

void describe(const loaded_image &image, sealkit_image_report &entry) {
    entry.name = image.name;
    entry.start = image.span.start;
    entry.end = image.span.end;
    entry.segment_kinds = image.segment_kinds;
    entry.mutable_ranges = static_cast<unsigned>(image.mutable_count);
}

// Whether image's RELRO is to be moved: it is sealed and has a RELRO.
bool moves_relro(const loaded_image &image, const sealkit_image_report &entry, unsigned flags) {
    return entry.skip_reason == SEALKIT_SKIP_NONE && !image.too_many_mutable && !(flags & SEALKIT_RELRO_FILE) &&
           !image.relro.empty();
}

// Whether a RELRO move refused with EPERM still leaves the image as safe
// as a move would, and what the report says then:
//  - the RELRO is already sealed: an earlier pass (the preload, before a
//    lockdown) moved and sealed it; this call moved nothing, so the report
//    does not say it did;
//  - on the seccomp backend, a seal filter an earlier program left on this
//    process (seccomp filters outlive exec) holds the address: a non-PIE
//    executable exec'd from another sealed one finds the same addresses
//    sealed. The RELRO stays where it is and a filter refuses discarding
//    it instead (relro_moved -1). On the kernel backend an EPERM means
//    someone sealed part of the RELRO: a failure to report.
bool refused_move_is_safe(const loaded_image &image, sealkit_image_report &entry) {
    if (active_backend().is_sealed(image.relro.start, image.relro.length()) == 1) return true;
    if (active_backend().kind != SEALKIT_BACKEND_SECCOMP) return false;
    const seccomp::address_range range{image.relro.start, image.relro.end};
    if (seccomp::enforce(&range, 1, seccomp::kRefuseDiscard) != 0) return false;
    entry.relro_moved = -1;
    return true;
}

void seal_one(const loaded_image &image, bool move_relro, relro_mover &mover, sealkit_image_report &entry) {
    if (entry.skip_reason != SEALKIT_SKIP_NONE) return;
    if (image.too_many_mutable) {
        fail(entry, -E2BIG, "mutable");  // cannot honour every mutable range: seal nothing
        return;
    }
    if (move_relro) {
        long moved = mover.move_to_anonymous(image);
        if (moved == 0) entry.relro_moved = 1;
        else if (moved != -EPERM || !refused_move_is_safe(image, entry)) fail(entry, moved, "relro");
    }
    if (long result = seal_span_except_mutable(image, entry)) fail(entry, result, "seal");
    if (image.is_vdso) procfs::read_mappings(0, procfs::mappings_file::maps, collect_vvar, &entry);
}

}  // namespace

long seal_images(const image_list &list, bool *permanent, unsigned flags, sealkit_image_report *entries,
                 sealkit_report &report, bool timed) {
    bool *relro_wanted = permanent + list.count;
    long first_error = 0;
    bool program_marked = false;
    for (size_t i = 0; i < list.count; ++i)
        if (list.items[i].is_main_program) program_marked = list.items[i].marked_for_sealing;

    for (size_t i = 0; i < list.count; ++i) {
        describe(list.items[i], entries[i]);
        entries[i].skip_reason = skip_reason_of(list.items[i], permanent[i], program_marked, flags);
        relro_wanted[i] = moves_relro(list.items[i], entries[i], flags);
    }
    pending_seals batch;
    if (active_backend().kind == SEALKIT_BACKEND_SECCOMP) g_batch = &batch;
    pending_seals strict;
    if (flags & kSealStrict) g_strict = &strict;
    {
        relro_mover mover;  // unmaps what it did not move before the list goes
        mover.copy_all(list, relro_wanted);  // a failure is reported by each move
        for (size_t i = 0; i < list.count; ++i) {
            const long long began = timed ? sys::monotonic_nanoseconds() : 0;
            seal_one(list.items[i], relro_wanted[i], mover, entries[i]);
            if (timed && entries[i].skip_reason == SEALKIT_SKIP_NONE)
                entries[i].nanoseconds = sys::monotonic_nanoseconds() - began;
        }
    }
    g_batch = nullptr;
    g_strict = nullptr;
    if (batch.count != 0) {
        report.seal_calls += 1;
        if (long result = active_backend().seal_batch(batch.ranges, batch.count)) {
            for (size_t i = 0; i < batch.count; ++i) {
                batch.owners[i]->runs = 0;
                batch.owners[i]->bytes_sealed = 0;
                fail(*batch.owners[i], result, "seal");
            }
        }
    }
    if (strict.count != 0) make_strict(strict);
    for (size_t i = 0; i < list.count; ++i) {
        sealkit_image_report &entry = entries[i];
        report.seal_calls += entry.seal_calls;
        report.bytes_sealed += entry.bytes_sealed;
        if (entry.error != 0) {
            ++report.images_failed;
            if (first_error == 0) first_error = -entry.error;
        } else if (entry.skip_reason == SEALKIT_SKIP_NONE) {
            ++report.images_sealed;
        }
    }
    return first_error;
}

long seal_loaded_images(unsigned flags, sealkit_report &report, bool timed) {
    // Reading the clock costs a few page faults the first time (libc's
    // clock_gettime, the vDSO's data pages): only when someone reads it.
    const long long began = timed ? sys::monotonic_nanoseconds() : 0;
    report = sealkit_report{};
    report.backend = active_backend().name;

    unfilled_images listed_on_stack;
    image_list list{listed_on_stack.items, 0, kListedOnStack, false};
    long error = enumerate_loaded_images(list);
    // permanent[i], then scratch for seal_images.
    bool flags_on_stack[2 * kListedOnStack];
    bool *permanent = list.count <= kListedOnStack ? flags_on_stack : static_cast<bool *>(malloc(2 * list.count));
    if (g_reports != g_report_storage) free(g_reports);
    g_reports = nullptr;
    g_report_count = 0;
    auto *entries = list.count <= kStoredReports
                        ? g_report_storage
                        : static_cast<sealkit_image_report *>(malloc(list.count * sizeof(sealkit_image_report)));
    if (error != 0 || permanent == nullptr || entries == nullptr) {
        if (permanent != flags_on_stack) free(permanent);
        if (entries != g_report_storage) free(entries);
        release(list);
        return -ENOMEM;
    }
    if (entries != g_report_storage || g_report_storage_written)
        memset(entries, 0, list.count * sizeof(sealkit_image_report));
    if (entries == g_report_storage) g_report_storage_written = true;
    mark_permanent_images(list, permanent);
    long first_error = seal_images(list, permanent, flags, entries, report, timed);
    report.images = static_cast<unsigned>(list.count);
    if (permanent != flags_on_stack) free(permanent);
    release(list);
    g_reports = entries;
    g_report_count = list.count;
    report.image = entries;
    if (timed) report.nanoseconds = sys::monotonic_nanoseconds() - began;
    return first_error;
}

const sealkit_image_report *last_image_reports(size_t &count) {
    count = g_report_count;
    return g_reports;
}

}  // namespace sealkit::startup
