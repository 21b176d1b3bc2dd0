#include "seccomp/seal_enforcer.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "concurrency/spin_lock.h"
#include "procfs/mappings_reader.h"
#include "seccomp/exec_guard.h"
#include "seccomp/fixed_address_image.h"
#include "seccomp/range_set.h"
#include "seccomp/process_rules.h"
#include "system/process_calls.h"
#include "system/syscalls.h"

namespace sealkit::seccomp {
namespace {

constexpr uint32_t kRefusal = SECCOMP_RET_ERRNO | EPERM;

struct enforcer_state {
    range_set reprotect, unmap, discard;
    bpf_storage *storage = nullptr;
    compiler_workspace *workspace = nullptr;
    size_t filters = 0;
    size_t instructions = 0;
    // The exec guard (exec_guard.h): considered once, at the first filter.
    bool guard_considered = false;
    bool guard_pending = false;  // the next filter is the guarded one
    bool lock_compiled = false;  // the guarded filter holds the listener lock and token is set
    bool guard_running = false;
    image_marker marker{};
    exec_guard_launch launch;
    long guard_owner = 0;  // the process that talks to the guard (not its fork children)
    uint64_t token[2] = {};  // lets this image past its own listener lock
    uint64_t heap_top = 0;   // sealed_heap_top() of the call in progress
    // This image's executable mappings, read at most once per call (the
    // filters that trap mseal or brk need them; a batch compiles many trials).
    address_range code[64];
    range_list code_list;
    bool code_read = false;
    const char *guard_problem = nullptr;
    // Whether the filter being compiled relaxes mprotect inside a
    // fixed-address executable (install_plain).
    bool relax_reprotect = false;
};

int g_lock = 0;
enforcer_state g_state;

// Scratch lists for one call, in one anonymous mapping.
struct scratch {
    address_range *memory = nullptr;
    size_t bytes = 0;
    size_t capacity_each = 0;
    address_range *lists[4] = {};  // input copy, reprotect, unmap, discard
    size_t counts[4] = {};

    long allocate(size_t each) {
        capacity_each = each;
        bytes = (4 * each * sizeof(address_range) + 4095) & ~size_t{4095};
        const uintptr_t mapped = sys::map_anonymous(bytes, PROT_READ | PROT_WRITE);
        if (sys::is_error(mapped)) return sys::error_of(mapped);
        memory = reinterpret_cast<address_range *>(mapped);
        for (int i = 0; i < 4; ++i) lists[i] = memory + i * each;
        return 0;
    }
    ~scratch() {
        if (memory != nullptr) sys::unmap(reinterpret_cast<uintptr_t>(memory), bytes);
    }
    bool push(int list, address_range range) {
        if (counts[list] == capacity_each) return false;
        // Appended in address order: merge with a touching predecessor.
        if (counts[list] > 0 && lists[list][counts[list] - 1].end == range.start) {
            lists[list][counts[list] - 1].end = range.end;
            return true;
        }
        lists[list][counts[list]++] = range;
        return true;
    }
};

int by_start(const void *a, const void *b) {
    const auto *x = static_cast<const address_range *>(a);
    const auto *y = static_cast<const address_range *>(b);
    return x->start < y->start ? -1 : x->start > y->start ? 1 : 0;
}

bool is_anonymous_private_read_only(const procfs::mapping &m) {
    if (m.shared || (m.prot & PROT_WRITE) || m.inode != 0) return false;
    if (m.path_length == 0) return true;
    // The kernel's own anonymous memory has a bracketed name; [vdso],
    // [vvar] and the like are special mappings, not anonymous memory.
    auto named = [&](const char *name) {
        const size_t length = strlen(name);
        return m.path_length == length && memcmp(m.path, name, length) == 0;
    };
    auto prefixed = [&](const char *prefix) {
        const size_t length = strlen(prefix);
        return m.path_length >= length && memcmp(m.path, prefix, length) == 0;
    };
    return named("[heap]") || named("[stack]") || prefixed("[anon:");
}

struct discard_search {
    const address_range *ranges;
    size_t count;
    scratch *out;
    int list;
    bool overflow;
};

// For each mapping, the parts of the (sorted) requested ranges that are
// anonymous, private and read-only.
bool collect_anonymous_read_only(const procfs::mapping &m, void *context) {
    auto &search = *static_cast<discard_search *>(context);
    if (!is_anonymous_private_read_only(m)) return true;
    for (size_t i = 0; i < search.count; ++i) {
        const uint64_t start = search.ranges[i].start > m.start ? search.ranges[i].start : m.start;
        const uint64_t end = search.ranges[i].end < m.end ? search.ranges[i].end : m.end;
        if (start < end && !search.out->push(search.list, {start, end})) search.overflow = true;
    }
    return true;
}

struct executable_search {
    address_range *out;
    size_t capacity;
    size_t count;
};

bool collect_executable(const procfs::mapping &m, void *context) {
    auto &found = *static_cast<executable_search *>(context);
    if (!(m.prot & PROT_EXEC)) return true;
    if (found.count > 0 && found.out[found.count - 1].end == m.start) {
        found.out[found.count - 1].end = m.end;
        return true;
    }
    if (found.count == found.capacity) return false;  // enough: calls from the rest are not emulated
    found.out[found.count++] = {m.start, m.end};
    return true;
}

// The process's executable mappings now: where its own mseal calls come from.
range_list executable_mappings(address_range *out, size_t capacity) {
    executable_search found{out, capacity, 0};
    procfs::read_mappings(0, procfs::mappings_file::maps, collect_executable, &found);
    return {out, found.count};
}

long ensure_workspace() {
    if (g_state.storage != nullptr) return 0;
    const uintptr_t storage = sys::map_anonymous((sizeof(bpf_storage) + 4095) & ~size_t{4095}, PROT_READ | PROT_WRITE);
    if (sys::is_error(storage)) return sys::error_of(storage);
    const uintptr_t workspace =
        sys::map_anonymous((sizeof(compiler_workspace) + 4095) & ~size_t{4095}, PROT_READ | PROT_WRITE);
    if (sys::is_error(workspace)) return sys::error_of(workspace);
    g_state.workspace = reinterpret_cast<compiler_workspace *>(workspace);
    g_state.storage = reinterpret_cast<bpf_storage *>(storage);
    return 0;
}

long install(const bpf_program &program) {
    sock_fprog fprog{static_cast<unsigned short>(program.length()), const_cast<sock_filter *>(program.instructions())};
    long result = sys::install_seccomp_filter_all_threads(&fprog);
    if (result == -EACCES) {
        // Without CAP_SYS_ADMIN the kernel wants no_new_privs first.
        if (long refused = sys::forbid_new_privileges()) return refused;
        result = sys::install_seccomp_filter_all_threads(&fprog);
    }
    if (result > 0) return -EPERM;  // TSYNC: a thread runs a different filter chain
    return result;
}

// The same with a user-notification listener: its descriptor, or -errno.
long install_with_listener(const bpf_program &program) {
    sock_fprog fprog{static_cast<unsigned short>(program.length()), const_cast<sock_filter *>(program.instructions())};
    long result = sys::install_seccomp_filter_with_listener(&fprog, g_state.token);
    if (result == -EACCES) {
        if (long refused = sys::forbid_new_privileges()) return refused;
        result = sys::install_seccomp_filter_with_listener(&fprog, g_state.token);
    }
    if (result == -ESRCH) return -EPERM;  // TSYNC: a thread runs a different filter chain
    return result;
}

// Installs the guarded filter and hands its listener to the guard from a
// thread with a private descriptor table, so that the listener never sits
// in the table a fork by another thread would copy. installed: the
// listener (>= 0) or -errno; handed: 0 or -errno.
struct guarded_install {
    const bpf_program *program;
    long installed;
    long handed;
};

long install_and_hand_over(void *argument) {
    auto &job = *static_cast<guarded_install *>(argument);
    job.installed = install_with_listener(*job.program);
    job.handed = job.installed >= 0 ? hand_listener_to_guard(g_state.launch, static_cast<int>(job.installed)) : -EBADF;
    return 0;
}

guarded_install install_guarded(const bpf_program &program) {
    guarded_install job{&program, -EAGAIN, -EBADF};
    if (sys::run_with_private_descriptors(install_and_hand_over, &job) != 0) {
        // No thread: do it here (the listener is then briefly in the shared table).
        install_and_hand_over(&job);
    }
    return job;
}

const char *why_no_listener(long error) {
    switch (error) {
        case -EBUSY:
            return "the filter chain already has a listener (this program was exec'd from a sealed one)";
        case -EINVAL:
            return "the kernel cannot install a listener on every thread (needs Linux 5.7)";
        default:
            return "the kernel refused the guarded filter";
    }
}

void record(range_list reprotect, range_list unmap, range_list discard, unsigned length) {
    g_state.filters++;
    g_state.instructions += length;
    // Recorded per filter: when a batch is split and the chain fills
    // part way, what was installed stays enforced and is reported so.
    // (A failure to record only loses bookkeeping: a later seal would
    // add a redundant filter.)
    for (size_t i = 0; i < reprotect.count; ++i) g_state.reprotect.add(reprotect.ranges[i]);
    for (size_t i = 0; i < unmap.count; ++i) g_state.unmap.add(unmap.ranges[i]);
    for (size_t i = 0; i < discard.count; ++i) g_state.discard.add(discard.ranges[i]);
}

// After the guarded filter: hand its listener to a new guard process and
// lock the chain against other listeners. When the guard cannot start,
// the listener is closed (sealed calls would fail with ENOSYS), so a plain
// filter over the same ranges restores the kernel's EPERM.
long start_guard(long handed, range_list reprotect, range_list unmap, range_list discard);

// Keeps the ranges of `from` that lie in [low, high), cut to it.
range_list slice(range_list from, uint64_t low, uint64_t high, address_range *out) {
    size_t n = 0;
    for (size_t i = 0; i < from.count; ++i) {
        const uint64_t start = from.ranges[i].start > low ? from.ranges[i].start : low;
        const uint64_t end = from.ranges[i].end < high ? from.ranges[i].end : high;
        if (start < end) out[n++] = {start, end};
    }
    return {out, n};
}

using remap_destination = seal_filter_policy::remap_destination;

struct heap_search {
    range_list sealed;
    uint64_t top;
};

bool collect_sealed_heap_top(const procfs::mapping &m, void *context) {
    auto &search = *static_cast<heap_search *>(context);
    if (m.path_length != 6 || memcmp(m.path, "[heap]", 6) != 0) return true;
    for (size_t i = 0; i < search.sealed.count; ++i) {
        const address_range &r = search.sealed.ranges[i];
        const uint64_t end = r.end < m.end ? r.end : m.end;
        if (r.start < end && m.start < end && end > search.top) search.top = end;
    }
    return true;
}

// The top of the highest sealed page inside the heap ([heap] in maps): a
// break moved below it would unmap sealed pages (seal_filter_policy).
uint64_t sealed_heap_top(range_list sealed) {
    heap_search search{sealed, 0};
    procfs::read_mappings(0, procfs::mappings_file::maps, collect_sealed_heap_top, &search);
    return search.top;
}

// The policy of the next filter over these lists.
range_list this_images_code() {
    if (!g_state.code_read) {
        g_state.code_list = executable_mappings(g_state.code, 64);
        g_state.code_read = true;
    }
    return g_state.code_list;
}

seal_filter_policy next_policy(range_list reprotect, range_list unmap, range_list discard,
                               remap_destination where = remap_destination::here) {
    seal_filter_policy policy;
    policy.reprotect = reprotect;
    policy.unmap = unmap;
    policy.discard = discard;
    policy.destination = where;
    policy.refusal = g_state.guard_pending ? SECCOMP_RET_USER_NOTIF : kRefusal;
    policy.reprotect_only_adding_access = g_state.relax_reprotect;
    if (where == remap_destination::only) return policy;  // mremap alone: no process-wide rules
    // brk below sealed heap pages: the guard answers it, or else this
    // image's SIGSYS handler (process_rules.h) when there is one.
    policy.sealed_heap_top = g_state.heap_top;
    if (g_state.heap_top != 0 && !g_state.guard_pending && seal_emulation_enabled())
        policy.trap_break_from = this_images_code();
    const bool first = g_state.filters == 0;
    policy.process_rules = first;
    if (first && seal_emulation_enabled()) policy.trap_mseal_from = this_images_code();
    policy.deny_io_uring = first && io_uring_denied();
    return policy;
}

constexpr long kDoesNotFitOneFilter = 1;

// The ranges of a batch split into two kinds of filters (remap_destination
// in seal_filter_compiler.h) hold once both are installed.
void remember(range_list reprotect, range_list unmap, range_list discard) {
    for (size_t i = 0; i < reprotect.count; ++i) g_state.reprotect.add(reprotect.ranges[i]);
    for (size_t i = 0; i < unmap.count; ++i) g_state.unmap.add(unmap.ranges[i]);
    for (size_t i = 0; i < discard.count; ++i) g_state.discard.add(discard.ranges[i]);
}

// Compiles and installs the lists as one filter; kDoesNotFitOneFilter when
// they do not fit in one. A filter that checks mremap's destination
// `here` records its ranges; the other kinds only count (see install_part).
long install_one(range_list reprotect, range_list unmap, range_list discard,
                 remap_destination where = remap_destination::here) {
    seal_filter_policy policy = next_policy(reprotect, unmap, discard, where);
    const bool guarded = g_state.guard_pending && where == remap_destination::here;
    // The guarded filter carries the listener lock itself
    // (seal_filter_policy::listener_lock_token).
    if (guarded && !g_state.lock_compiled && sys::random_token(g_state.token) == 0) {
        policy.listener_lock_token = g_state.token;
        g_state.lock_compiled = true;
    }
    bpf_program program(*g_state.storage);
    if (compile_seal_filter(policy, *g_state.workspace, program)) {
        if (where != remap_destination::here) {
            if (long failed = install(program)) return failed;
            g_state.filters++;
            g_state.instructions += program.length();
            return 0;
        }
        if (guarded) {
            g_state.guard_pending = false;
            const guarded_install job = install_guarded(program);
            if (job.installed < 0) {
                // No guard: the marker page stays, sealed like the rest.
                cancel_exec_guard(g_state.launch);
                g_state.guard_problem = why_no_listener(job.installed);
                return install_one(reprotect, unmap, discard);
            }
            record(reprotect, unmap, discard, program.length());
            return start_guard(job.handed, reprotect, unmap, discard);
        }
        if (long failed = install(program)) return failed;
        record(reprotect, unmap, discard, program.length());
        return 0;
    }
    return kDoesNotFitOneFilter;
}

long pack_and_install(range_list reprotect, range_list unmap, range_list discard, bool destination_only);

// One part of a batch that was cut to fit: a filter checking everything,
// or (split) one checking everything but mremap's destination plus the
// destination-only filters for the same ranges, recorded once all are in.
long install_part(range_list reprotect, range_list unmap, range_list discard, remap_destination where) {
    if (where != remap_destination::elsewhere) {
        const long result = install_one(reprotect, unmap, discard, where);
        return result == kDoesNotFitOneFilter ? -ENOMEM : result;
    }
    // The destination first: if the chain fills in between, what stays is
    // a refusal of MREMAP_FIXED onto ranges reported unsealed, not of
    // mprotect and munmap.
    long destinations = install_one({}, unmap, {}, remap_destination::only);
    if (destinations == kDoesNotFitOneFilter) destinations = pack_and_install({}, unmap, {}, true);
    if (destinations != 0) return destinations;
    const long main = install_one(reprotect, unmap, discard, where);
    if (main != 0) return main == kDoesNotFitOneFilter ? -ENOMEM : main;
    remember(reprotect, unmap, discard);
    return 0;
}

// Installs lists too big for one filter as several: each part takes the
// longest run of ranges, from the lowest address, that fits in one filter
// (found by bisection), so that a batch costs as few filters, and as little
// of the chain's per-filter overhead, as it can. Parts leave mremap's
// destination to destination-only filters (install_part), which about
// doubles the ranges per filter, except the exec guard's filter, whose
// refusals go to its listener.
long pack_and_install(range_list reprotect, range_list unmap, range_list discard, bool destination_only) {
    // The parts' slices go to fresh scratch space: two halves, the upper one
    // of each cut becoming the next round's input.
    scratch parts;
    const size_t each = reprotect.count + unmap.count + discard.count + 3;
    if (long failed = parts.allocate(4 * each)) return failed;
    address_range *const areas[2] = {parts.memory, parts.memory + 2 * each};
    range_list rest[3] = {reprotect, unmap, discard};
    for (int round = 0;; ++round) {
        const remap_destination where = destination_only    ? remap_destination::only
                                        : g_state.guard_pending ? remap_destination::here
                                                                : remap_destination::elsewhere;
        range_list longest = rest[1].count >= rest[0].count ? rest[1] : rest[0];
        if (rest[2].count > longest.count) longest = rest[2];
        if (longest.count < 2) return -ENOMEM;  // one range that does not fit alone
        address_range *const area = areas[round % 2];
        range_list low[3], high[3];
        auto cut = [&](size_t index) {
            const uint64_t pivot = longest.ranges[index].start;
            address_range *cursor = area;
            for (int i = 0; i < 3; ++i) {
                low[i] = slice(rest[i], 0, pivot, cursor);
                cursor += low[i].count;
                high[i] = slice(rest[i], pivot, UINT64_MAX, cursor);
                cursor += high[i].count;
            }
        };
        size_t fits = 0, too_big = longest.count;  // ranges of `longest` below the cut
        while (too_big - fits > 1) {
            const size_t middle = fits + (too_big - fits) / 2;
            cut(middle);
            bpf_program trial(*g_state.storage);
            const bool ok = compile_seal_filter(next_policy(low[0], low[1], low[2], where), *g_state.workspace, trial);
            (ok ? fits : too_big) = middle;
        }
        if (fits == 0) return -ENOMEM;
        cut(fits);
        if (long failed = install_part(low[0], low[1], low[2], where)) return failed;
        for (int i = 0; i < 3; ++i) rest[i] = high[i];
        // The rest may fit in one filter checking everything.
        const long tail = destination_only ? install_one({}, rest[1], {}, remap_destination::only)
                                           : install_one(rest[0], rest[1], rest[2]);
        if (tail != kDoesNotFitOneFilter) return tail;
    }
}

// Compiles and installs the lists as one filter, or as several when they
// do not fit (pack_and_install).
long compile_and_install(range_list reprotect, range_list unmap, range_list discard) {
    const long whole = install_one(reprotect, unmap, discard);
    if (whole != kDoesNotFitOneFilter) return whole;
    return pack_and_install(reprotect, unmap, discard, false);
}

long start_guard(long handed, range_list reprotect, range_list unmap, range_list discard) {
    if (handed == 0) {
        g_state.guard_running = true;
        g_state.guard_owner = getpid();
        // While the guard lives nobody else can have a listener anyway (one
        // per chain); should it die, a full chain refuses other filters
        // too. Said, not hidden.
        if (!g_state.lock_compiled) g_state.guard_problem = "the listener lock could not be set (no random token)";
        return 0;
    }
    g_state.guard_problem = "the exec guard process could not take the listener";
    cancel_exec_guard(g_state.launch);
    seal_filter_policy policy;
    policy.reprotect = reprotect;
    policy.unmap = unmap;
    policy.discard = discard;
    policy.refusal = kRefusal;
    bpf_program program(*g_state.storage);
    if (!compile_seal_filter(policy, *g_state.workspace, program)) return -ENOMEM;  // it fitted once already
    if (long failed = install(program)) return failed;
    g_state.filters++;
    g_state.instructions += program.length();
    return 0;
}

// Merges a set's ranges with new ones (sorted, disjoint from the set but
// possibly touching it) into out, sorted and merged.
range_list merge(range_list set, range_list added, address_range *out) {
    size_t n = 0, i = 0, j = 0;
    while (i < set.count || j < added.count) {
        const bool from_set = j == added.count || (i < set.count && set.ranges[i].start < added.ranges[j].start);
        const address_range next = from_set ? set.ranges[i++] : added.ranges[j++];
        if (n > 0 && out[n - 1].end >= next.start) {
            if (next.end > out[n - 1].end) out[n - 1].end = next.end;
        } else {
            out[n++] = next;
        }
    }
    return {out, n};
}

constexpr long kDoesNotFit = -E2BIG;

// A later seal of the image that runs the guard: one newer guarded filter
// with every range sealed so far, whose listener replaces the old one, so
// these seals end at exec too. kDoesNotFit when that filter would be too
// big (the caller installs a plain filter over the new ranges instead).
long move_guard_to_new_filter(range_list reprotect, range_list unmap, range_list discard) {
    scratch all;
    const size_t each = g_state.reprotect.size() + g_state.unmap.size() + g_state.discard.size() + reprotect.count +
                        unmap.count + discard.count + 8;
    if (long failed = all.allocate(each)) return failed;
    seal_filter_policy policy;
    policy.reprotect = merge(g_state.reprotect.view(), reprotect, all.lists[1]);
    policy.unmap = merge(g_state.unmap.view(), unmap, all.lists[2]);
    policy.discard = merge(g_state.discard.view(), discard, all.lists[3]);
    policy.refusal = SECCOMP_RET_USER_NOTIF;
    policy.sealed_heap_top = sealed_heap_top(policy.unmap);
    bpf_program program(*g_state.storage);
    if (!compile_seal_filter(policy, *g_state.workspace, program)) return kDoesNotFit;

    if (ask_guard_to_release(g_state.launch) != 0) {
        // The guard is gone: sealed calls fail with ENOSYS already.
        g_state.guard_running = false;
        g_state.guard_problem = "the exec guard exited";
        cancel_exec_guard(g_state.launch);
        return kDoesNotFit;
    }
    // From here until the new listener is installed, a call on a sealed
    // range fails with ENOSYS: refused all the same.
    const guarded_install job = install_guarded(program);
    if (job.installed >= 0 && job.handed == 0) {
        record(reprotect, unmap, discard, program.length());
        return 0;
    }
    // No listener now: a plain filter over every range gives EPERM again
    // (ERRNO outranks the orphaned notifications).
    if (job.installed >= 0) g_state.filters++;  // installed, but the guard did not take it
    g_state.guard_running = false;
    g_state.guard_problem = "the exec guard could not move to a newer filter";
    cancel_exec_guard(g_state.launch);
    policy.refusal = kRefusal;
    policy.sealed_heap_top = 0;  // a plain filter leaves brk alone (seal_filter_policy)
    bpf_program plain(*g_state.storage);
    if (!compile_seal_filter(policy, *g_state.workspace, plain)) return -ENOMEM;
    if (long failed = install(plain)) return failed;
    record(reprotect, unmap, discard, plain.length());
    return 0;
}

// Inserts range into one of work's lists, keeping it sorted (the lists
// have room: each was sized with spare entries).
void insert_sorted(address_range *list, size_t &count, address_range range) {
    size_t at = count;
    while (at > 0 && list[at - 1].start > range.start) {
        list[at] = list[at - 1];
        --at;
    }
    list[at] = range;
    ++count;
}

// Filters without the exec guard outlive exec (seal_enforcer.h). Where
// they would refuse mprotect inside a fixed-address executable, a program
// exec'd later at the same address could not make its own RELRO read-only
// there, so that part of `reprotect` goes into a filter of its own that
// refuses only the calls that add access (fixed_address_image.h).
long install_plain(range_list reprotect, range_list unmap, range_list discard) {
    const address_range fixed = fixed_address_image();
    bool meets = false;
    for (size_t i = 0; i < reprotect.count && !meets; ++i)
        meets = reprotect.ranges[i].start < fixed.end && fixed.start < reprotect.ranges[i].end;
    if (!meets) return compile_and_install(reprotect, unmap, discard);
    // Sorted and disjoint, so at most one range straddles each end of the
    // span: outside gains at most two parts.
    scratch split;  // lists[0]: outside the span, lists[1]: inside
    if (long failed = split.allocate(reprotect.count + 2)) return failed;
    for (size_t i = 0; i < reprotect.count; ++i) {
        const address_range r = reprotect.ranges[i];
        const uint64_t start = r.start > fixed.start ? r.start : fixed.start;
        const uint64_t end = r.end < fixed.end ? r.end : fixed.end;
        if (start >= end) {
            split.push(0, r);
            continue;
        }
        if (r.start < start) split.push(0, {r.start, start});
        split.push(1, {start, end});
        if (end < r.end) split.push(0, {end, r.end});
    }
    const range_list outside{split.lists[0], split.counts[0]}, inside{split.lists[1], split.counts[1]};
    if (outside.count != 0 || unmap.count != 0 || discard.count != 0)
        if (long failed = compile_and_install(outside, unmap, discard)) return failed;
    g_state.relax_reprotect = true;
    const long result = compile_and_install(inside, {}, {});
    g_state.relax_reprotect = false;
    return result;
}

}  // namespace

long enforce(const address_range *ranges, size_t count, unsigned what) {
    if (count == 0) return 0;
    for (size_t i = 0; i < count; ++i) {
        if (ranges[i].start >= ranges[i].end || (ranges[i].start | ranges[i].end) & 4095) return -EINVAL;
        if (long mapped = sys::check_fully_mapped(ranges[i].start, ranges[i].end - ranges[i].start)) return mapped;
    }
    spin_lock_guard hold(g_lock);
    if (long failed = ensure_workspace()) return failed;

    // Each list can grow by the parts missing from the sets: at most the
    // requested ranges plus one per range already in the set.
    scratch work;
    const size_t each = 2 * count + g_state.unmap.size() + g_state.reprotect.size() + g_state.discard.size() + 8;
    if (long failed = work.allocate(each)) return failed;
    memcpy(work.lists[0], ranges, count * sizeof(address_range));
    qsort(work.lists[0], count, sizeof(address_range), by_start);
    work.counts[0] = count;

    auto add_missing = [&](const range_set &set, int list, const address_range *from, size_t n) {
        for (size_t i = 0; i < n; ++i) {
            address_range parts[16];
            const size_t found = set.missing_parts(from[i], parts, 16);
            if (found > 16) {  // many holes: enforce the whole range again, harmless
                if (!work.push(list, from[i])) return false;
                continue;
            }
            for (size_t j = 0; j < found; ++j)
                if (!work.push(list, parts[j])) return false;
        }
        return true;
    };
    if ((what & kRefuseReprotect) && !add_missing(g_state.reprotect, 1, work.lists[0], count)) return -ENOMEM;
    if ((what & kRefuseUnmap) && !add_missing(g_state.unmap, 2, work.lists[0], count)) return -ENOMEM;
    if (what & kRefuseDiscard) {
        if (!add_missing(g_state.discard, 3, work.lists[0], count)) return -ENOMEM;
    } else if (what & kRefuseDiscardIfAnonymousReadOnly) {
        // Find the anonymous read-only parts into a list of their own, then
        // keep what is new.
        scratch anonymous;
        if (long failed = anonymous.allocate(each)) return failed;
        discard_search search{work.lists[0], count, &anonymous, 0, false};
        procfs::read_result read = procfs::read_mappings(0, procfs::mappings_file::maps, collect_anonymous_read_only, &search);
        if (read.error != 0) return read.error;
        if (search.overflow) return -ENOMEM;
        qsort(anonymous.lists[0], anonymous.counts[0], sizeof(address_range), by_start);
        if (!add_missing(g_state.discard, 3, anonymous.lists[0], anonymous.counts[0])) return -ENOMEM;
    }
    if (work.counts[1] + work.counts[2] + work.counts[3] == 0) return 0;  // already enforced

    // The first filter of this image: make it exec-aware if the kernel can.
    if (g_state.filters == 0 && !g_state.guard_considered) {
        g_state.guard_considered = true;
        const char *why = nullptr;
        if (!exec_guard_possible(&why)) {
            g_state.guard_problem = why;
        } else if (!listener_available()) {
            g_state.guard_problem = why_no_listener(-EBUSY);
        } else if (prepare_exec_guard(&g_state.marker) != 0) {
            g_state.guard_problem = "the exec guard's marker page could not be mapped";
        } else if (launch_exec_guard(g_state.marker, &g_state.launch) != 0) {
            abandon_exec_guard(g_state.marker);
            g_state.guard_problem = "the exec guard process could not be started";
        } else {
            // The marker is sealed with everything else, discard included,
            // so nobody can remove it from this image or its fork children.
            const address_range page{g_state.marker.start, g_state.marker.start + 4096};
            for (int list = 1; list <= 3; ++list) insert_sorted(work.lists[list], work.counts[list], page);
            g_state.guard_pending = true;
        }
    }
    const range_list reprotect{work.lists[1], work.counts[1]};
    const range_list unmap{work.lists[2], work.counts[2]};
    const range_list discard{work.lists[3], work.counts[3]};

    g_state.heap_top = sealed_heap_top(unmap);
    g_state.code_read = false;
    if (g_state.guard_running && g_state.guard_owner == getpid()) {
        const long moved = move_guard_to_new_filter(reprotect, unmap, discard);
        if (moved != kDoesNotFit) return moved;
    }
    if (!g_state.guard_pending) return install_plain(reprotect, unmap, discard);
    return compile_and_install(reprotect, unmap, discard);
}

int is_enforced(uint64_t start, uint64_t end, unsigned what) {
    spin_lock_guard hold(g_lock);
    if ((what & kRefuseReprotect) && !g_state.reprotect.covers(start, end)) return 0;
    if ((what & kRefuseUnmap) && !g_state.unmap.covers(start, end)) return 0;
    if ((what & kRefuseDiscard) && !g_state.discard.covers(start, end)) return 0;
    return 1;
}

bool filters_available(const char **why) {
    long mode = sys::seccomp_mode();
    if (mode == 1) {
        *why = "the process runs in seccomp strict mode";
        return false;
    }
    long available = sys::seccomp_action_available(SECCOMP_RET_ERRNO);
    if (available == -EINVAL || available == -ENOSYS) {
        *why = "the kernel has no seccomp filtering (CONFIG_SECCOMP_FILTER is off)";
        return false;
    }
    if (available != 0) {
        *why = "the kernel refuses seccomp's SECCOMP_RET_ERRNO action";
        return false;
    }
    *why = nullptr;
    return true;
}

exec_guard_state exec_guard() {
    spin_lock_guard hold(g_lock);
    return {g_state.guard_running, exec_guard_pid(), g_state.guard_problem};
}

enforcement_statistics statistics() {
    spin_lock_guard hold(g_lock);
    return {g_state.filters, g_state.instructions, g_state.reprotect.size(), g_state.unmap.size(),
            g_state.discard.size()};
}

}  // namespace sealkit::seccomp
