#include "preload/dlopen_policy.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/backend.h"
#include "concurrency/spin_lock.h"
#include "preload/dlopen_catch_up.h"
#include "preload/late_report.h"
#include "startup/image_sealer.h"
#include "startup/loaded_image.h"
#include "system/syscalls.h"

namespace sealkit::preload {
namespace {

using startup::dlopen_policy;

// Objects are named by their dynamic section's address (link_map::l_ld,
// the PT_DYNAMIC of dl_iterate_phdr): unique while the object is loaded,
// and a sealed object is never unloaded.
constexpr size_t kMaxRecorded = 1024;
constexpr size_t kMaxPassObjects = 256;

// Append-only: written under g_record_lock, read without it (count is
// published after the slot it covers).
const void *g_sealed[kMaxRecorded];
size_t g_sealed_count = 0;
bool g_record_has_startup = false;
int g_record_lock = 0;

// One pass seals at a time (under this lock, which is never held across a
// call into the loader).
int g_seal_lock = 0;

bool g_started __attribute__((section(".data"))) = false;
int g_policy_read = 0;  // 0 unread, 1 reading, 2 read
startup::startup_options g_options;
dlopen_policy g_policy = dlopen_policy::off;
bool g_warned = false;

bool recorded(const void *dynamic) {
    size_t count = __atomic_load_n(&g_sealed_count, __ATOMIC_ACQUIRE);
    for (size_t i = 0; i < count; ++i)
        if (g_sealed[i] == dynamic) return true;
    return false;
}

// Under g_record_lock. False when the record is full: the object is then
// sealed again by later passes, which the kernel accepts.
bool record(const void *dynamic) {
    if (recorded(dynamic)) return true;
    if (g_sealed_count == kMaxRecorded) return false;
    g_sealed[g_sealed_count] = dynamic;
    __atomic_store_n(&g_sealed_count, g_sealed_count + 1, __ATOMIC_RELEASE);
    return true;
}

struct object_set {
    const void *items[kMaxPassObjects];
    size_t count = 0;
    bool contains(const void *item) const {
        for (size_t i = 0; i < count; ++i)
            if (items[i] == item) return true;
        return false;
    }
    bool add(const void *item) {
        if (contains(item) || count == kMaxPassObjects) return false;
        items[count++] = item;
        return true;
    }
};

// What the dynamic section of a loaded object says (glibc relocates its
// d_ptr entries in place; an address below the load bias is still relative).
struct dynamic_view {
    const ElfW(Dyn) *entries;
    const char *strings = nullptr;
    size_t strings_size = 0;
    uint64_t flags_1 = 0;

    explicit dynamic_view(const link_map &map) : entries(map.l_ld) {
        for (const ElfW(Dyn) *entry = entries; entry != nullptr && entry->d_tag != DT_NULL; ++entry) {
            if (entry->d_tag == DT_STRTAB) {
                uintptr_t address = entry->d_un.d_ptr;
                if (address < map.l_addr) address += map.l_addr;
                strings = reinterpret_cast<const char *>(address);
            } else if (entry->d_tag == DT_STRSZ) {
                strings_size = entry->d_un.d_val;
            } else if (entry->d_tag == DT_FLAGS_1) {
                flags_1 = entry->d_un.d_val;
            }
        }
    }
    const char *string_at(uint64_t offset) const {
        if (strings == nullptr || offset >= strings_size) return nullptr;
        if (memchr(strings + offset, '\0', strings_size - offset) == nullptr) return nullptr;
        return strings + offset;
    }
};

[[noreturn]] void stop(const char *line) {
    dprintf(2, "sealkit: %s; stopping (SEALKIT_ENFORCE=1)\n", line);
    _exit(startup::kEnforceExitStatus);
}

void problem(const char *line) {
    if (g_options.enforce) stop(line);
    if (g_options.quiet || __atomic_exchange_n(&g_warned, true, __ATOMIC_RELAXED)) return;
    dprintf(2, "sealkit: %s; running on\n", line);
}

// pin: the object becomes permanent exactly as glibc makes it so. Its name
// (a path, or the name it was found by) matches it whatever the caller.
bool pin(const link_map &map) {
    const loader_calls &real = real_loader();
    void *again = real.open(map.l_name, RTLD_NOLOAD | RTLD_NODELETE | RTLD_LAZY);
    if (again == nullptr) {
        char line[4352];
        const char *why = dlerror();
        snprintf(line, sizeof line, "could not make %s permanent (--dlopen=pin): %s", map.l_name,
                 why ? why : "not found");
        problem(line);
        return false;
    }
    real.close(again);
    return true;
}

// Adds to `found` the objects named by the DT_NEEDED entries of the objects
// in found (from index `from` on), breadth first, skipping those sealed
// already. dlopen(name, RTLD_NOLOAD) matches a name against the loaded
// objects the way the loader did when it resolved the dependency.
void add_needed_closure(object_set &found, const link_map **maps, size_t from) {
    const loader_calls &real = real_loader();
    for (size_t next = from; next < found.count; ++next) {
        dynamic_view dynamic(*maps[next]);
        for (const ElfW(Dyn) *entry = dynamic.entries; entry->d_tag != DT_NULL; ++entry) {
            if (entry->d_tag != DT_NEEDED) continue;
            const char *name = dynamic.string_at(entry->d_un.d_val);
            if (name == nullptr) continue;
            auto *needed = static_cast<link_map *>(real.open(name, RTLD_NOLOAD | RTLD_LAZY));
            if (needed == nullptr) continue;
            if (!recorded(needed->l_ld) && found.count < kMaxPassObjects && found.add(needed->l_ld))
                maps[found.count - 1] = needed;
            real.close(needed);
        }
    }
}

// The start-up set, once: the objects start-up sealing sealed (its report
// names them by span) are recorded by their dynamic sections.
void record_startup_objects(const startup::image_list &list) {
    if (__atomic_load_n(&g_record_has_startup, __ATOMIC_ACQUIRE)) return;
    size_t count = 0;
    const sealkit_image_report *reports = startup::last_image_reports(count);
    spin_lock_guard guard(g_record_lock);
    if (g_record_has_startup) return;
    for (size_t i = 0; i < list.count; ++i) {
        const startup::loaded_image &image = list.items[i];
        for (size_t r = 0; r < count; ++r) {
            bool sealed = reports[r].error == 0 && (reports[r].skip_reason == SEALKIT_SKIP_NONE ||
                                                    reports[r].skip_reason == SEALKIT_SKIP_ALREADY_SEALED);
            if (sealed && image.dynamic != nullptr && reports[r].start == image.span.start) record(image.dynamic);
        }
    }
    __atomic_store_n(&g_record_has_startup, true, __ATOMIC_RELEASE);
}

// Seals the objects of `wanted` that no pass has sealed yet, and reports
// them as brought by `cause` (its pass number and time are filled here).
void seal_objects(const object_set &wanted, startup::late_seal cause) {
    startup::image_list list;
    if (startup::enumerate_loaded_images(list) != 0) {
        startup::release(list);
        problem("could not list the loaded objects to seal a dlopen'ed one: out of memory");
        return;
    }
    record_startup_objects(list);
    bool *permanent = static_cast<bool *>(calloc(list.count ? 2 * list.count : 1, 1));  // + scratch
    auto *entries = static_cast<sealkit_image_report *>(calloc(list.count ? list.count : 1, sizeof(sealkit_image_report)));
    if (permanent == nullptr || entries == nullptr) {
        free(permanent);
        free(entries);
        startup::release(list);
        problem("could not seal a dlopen'ed object: out of memory");
        return;
    }
    size_t sealed_now = 0;  // entries[0, sealed_now): this pass's objects, once reported
    {
        spin_lock_guard seal_guard(g_seal_lock);
        bool any = false;
        for (size_t i = 0; i < list.count; ++i) {
            const void *dynamic = list.items[i].dynamic;
            permanent[i] = dynamic != nullptr && wanted.contains(dynamic) && !recorded(dynamic);
            any |= permanent[i];
        }
        if (any) {
            sealkit_report report{};
            const bool timed = g_options.report_path != nullptr;  // the clock only when someone reads it
            const long long began = timed ? sys::monotonic_nanoseconds() : 0;
            startup::seal_images(list, permanent, g_options.seal_flags, entries, report, timed);
            if (timed) cause.nanoseconds = sys::monotonic_nanoseconds() - began;
            {
                spin_lock_guard record_guard(g_record_lock);
                for (size_t i = 0; i < list.count; ++i)
                    if (permanent[i] && entries[i].error == 0 && entries[i].skip_reason == SEALKIT_SKIP_NONE)
                        record(list.items[i].dynamic);
            }
            for (size_t i = 0; i < list.count; ++i)
                if (permanent[i]) entries[sealed_now++] = entries[i];
            report.backend = active_backend().name;
            report.images = static_cast<unsigned>(sealed_now);
            report.image = entries;
            report_late_pass(g_options, cause, report);  // before a failure can stop the program
        }
    }
    for (size_t i = 0; i < sealed_now; ++i) {
        if (entries[i].error == 0) continue;
        char line[4352];
        snprintf(line, sizeof line, "could not seal %s: %s (%s)", entries[i].name, strerror(entries[i].error),
                 entries[i].error_step ? entries[i].error_step : "seal");
        problem(line);
        break;
    }
    free(permanent);
    free(entries);
    startup::release(list);
}

// A fork while another thread holds a lock leaves it held in the child,
// where nothing would ever release it.
void release_locks_in_child() {
    g_record_lock = 0;
    g_seal_lock = 0;
    release_unwatched_lock_in_child();
}

void read_policy() {
    if (__atomic_load_n(&g_policy_read, __ATOMIC_ACQUIRE) == 2) return;
    int expected = 0;
    if (!__atomic_compare_exchange_n(&g_policy_read, &expected, 1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        while (__atomic_load_n(&g_policy_read, __ATOMIC_ACQUIRE) != 2) sched_yield();
        return;
    }
    g_options = startup::read_startup_options();
    pthread_atfork(nullptr, nullptr, release_locks_in_child);
    g_policy = g_options.dlopen;
    // Start-up sealing sealed nothing, and said why: so does late sealing.
    if (g_options.invalid_variable != nullptr || active_backend().kind == SEALKIT_BACKEND_NONE)
        g_policy = dlopen_policy::off;
    __atomic_store_n(&g_policy_read, 2, __ATOMIC_RELEASE);
}

}  // namespace

const loader_calls &real_loader() {
    static loader_calls calls;
    if (__atomic_load_n(&calls.close, __ATOMIC_ACQUIRE) == nullptr) {
        // Racing threads find the same addresses; close is published last.
        __atomic_store_n(&calls.open, reinterpret_cast<void *(*)(const char *, int)>(dlsym(RTLD_NEXT, "dlopen")),
                         __ATOMIC_RELAXED);
        __atomic_store_n(&calls.open_in_namespace,
                         reinterpret_cast<void *(*)(long, const char *, int)>(dlsym(RTLD_NEXT, "dlmopen")),
                         __ATOMIC_RELAXED);
        __atomic_store_n(&calls.close, reinterpret_cast<int (*)(void *)>(dlsym(RTLD_NEXT, "dlclose")),
                         __ATOMIC_RELEASE);
    }
    return calls;
}

void start_late_sealing() {
    __atomic_store_n(&g_started, true, __ATOMIC_RELEASE);
    if (has_unwatched_dlopens()) catch_up_unwatched_dlopens();
}

bool late_sealing_started() { return __atomic_load_n(&g_started, __ATOMIC_ACQUIRE); }

dlopen_policy late_policy() {
    if (!late_sealing_started()) return dlopen_policy::off;
    read_policy();
    return g_policy;
}

void seal_after_dlopen(void *handle, int mode, bool caught_up) {
    const dlopen_policy policy = late_policy();
    if (policy == dlopen_policy::off || handle == nullptr) return;
    const int saved_errno = errno;
    auto *map = static_cast<link_map *>(handle);
    bool permanent = false;
    if (map->l_ld != nullptr && !recorded(map->l_ld)) {
        if (policy == dlopen_policy::pin) permanent = pin(*map);
        else permanent = (mode & RTLD_NODELETE) != 0 || (dynamic_view(*map).flags_1 & DF_1_NODELETE) != 0;
    }
    if (permanent) {
        object_set wanted;
        const link_map *maps[kMaxPassObjects];
        wanted.add(map->l_ld);
        maps[0] = map;
        add_needed_closure(wanted, maps, 0);
        seal_objects(wanted, startup::late_seal{map->l_name, caught_up, 0, 0});
        dlerror();  // a NOLOAD lookup that found nothing must not leave an error for the program
    }
    errno = saved_errno;
}

}  // namespace sealkit::preload
