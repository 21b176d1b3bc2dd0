// The sealing image's side of the exec guard: the marker page, and the
// fork that starts the guard process (exec_guard_process.cpp).
#include "seccomp/exec_guard.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>

#include "procfs/mappings_reader.h"
#include "seccomp/exec_guard_process.h"
#include "system/process_calls.h"
#include "system/switch_variable.h"
#include "system/syscalls.h"

namespace sealkit::seccomp {
namespace {

long g_guard_pid = 0;

constexpr int kSocketNumberAtLeast = 900;
constexpr int kGuardAnswerMilliseconds = 2000;

// Linux 5.8: POLLHUP on a listener nobody uses any more, so the guard knows
// when to exit (user notification is 5.0, its CONTINUE flag 5.5, a
// listener together with TSYNC 5.7).
bool kernel_is_at_least_5_8() {
    struct utsname name;
    if (uname(&name) != 0) return false;
    char *rest = nullptr;
    const long major = strtol(name.release, &rest, 10);
    if (rest == nullptr || *rest != '.') return false;
    const long minor = strtol(rest + 1, nullptr, 10);
    return major > 5 || (major == 5 && minor >= 8);
}

// What the guard may discard from its copy of this address space: private
// anonymous writable memory (heap, malloc arenas, other threads' stacks)
// that it will never touch. It keeps the stack it runs on, its TLS, the
// start of anonymous memory right after a file mapping (a library's .bss) and special
// mappings. (The guard is forked before any filter of this image exists,
// so none of its own calls is ever refused or sent to itself.)
struct release_search {
    guard_start *start;
    uintptr_t stack, tls;
    uint64_t previous_end = 0;
    bool previous_file_backed = false;
};

bool collect_releasable(const procfs::mapping &m, void *context) {
    auto &search = *static_cast<release_search *>(context);
    const bool after_file = search.previous_file_backed && search.previous_end == m.start;
    search.previous_end = m.end;
    search.previous_file_backed = m.is_file_backed();
    if (m.shared || m.is_file_backed() || (m.prot & (PROT_READ | PROT_WRITE)) != (PROT_READ | PROT_WRITE)) return true;
    // A library's .bss follows its data mapping and may have merged with
    // anonymous memory above it: keep the first MiB of such a mapping.
    const uint64_t keep = after_file ? uint64_t{1} << 20 : 0;
    if (m.end - m.start <= keep) return true;
    const auto starts_with = [&](const char *prefix) {
        const size_t length = strlen(prefix);
        return m.path_length >= length && memcmp(m.path, prefix, length) == 0;
    };
    if (m.path_length > 0 && !starts_with("[heap]") && !starts_with("[anon:") && !starts_with("[stack]"))
        return true;  // [vvar], [vdso] and other special mappings
    if ((search.stack >= m.start && search.stack < m.end) || (search.tls >= m.start && search.tls < m.end)) return true;
    const address_range range{m.start + keep, m.end};
    guard_start &start = *search.start;
    if (start.release_count == guard_start::kMaxRelease) return false;
    start.release[start.release_count++] = range;
    return true;
}

}  // namespace

bool exec_guard_possible(const char **why) {
    // Only an explicit off turns it off; a value sealkit does not
    // understand keeps the guard, as unset does.
    if (!sys::switch_is_on("SEALKIT_EXEC_GUARD", true, true)) {
        *why = "SEALKIT_EXEC_GUARD=0 turned the exec guard off";
        return false;
    }
    if (!kernel_is_at_least_5_8()) {
        *why = "the exec guard needs Linux 5.8 or later";
        return false;
    }
    if (sys::seccomp_action_available(SECCOMP_RET_USER_NOTIF) != 0) {
        *why = "the kernel has no seccomp user notification";
        return false;
    }
    *why = nullptr;
    return true;
}

long prepare_exec_guard(image_marker *marker) {
    uint64_t inode = 0;
    const uintptr_t page = sys::map_marker_page("sealkit-exec-marker", &inode);
    if (sys::is_error(page)) return sys::error_of(page);
    *marker = {page, inode};
    return 0;
}

void abandon_exec_guard(image_marker marker) { sys::unmap(marker.start, 4096); }

bool listener_available() {
    if (sys::seccomp_mode() != 2) return true;  // no filter at all yet
    // Ask the kernel: a one-instruction filter that allows everything, with
    // a listener. EBUSY means another filter of the chain has one (or our
    // listener lock refuses); otherwise close it again, which frees the slot.
    sock_filter allow_all = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    sock_fprog program{1, &allow_all};
    const uint64_t no_token[2] = {0, 0};
    const long listener = sys::install_seccomp_filter_with_listener(&program, no_token);
    if (listener < 0) return false;
    sys::close_descriptor(static_cast<int>(listener));
    return true;
}

long launch_exec_guard(image_marker marker, exec_guard_launch *launch) {
    int ends[2];
    if (long failed = sys::make_socket_pair(ends)) return failed;
    // Shared with the children: the list of what the guard may discard, and
    // where the middle child leaves the guard's pid.
    const size_t bytes = (sizeof(guard_start) + 4095) & ~size_t{4095};
    void *shared = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) {
        const long failed = -errno;
        sys::close_descriptor(ends[0]);
        sys::close_descriptor(ends[1]);
        return failed;
    }
    auto *start = static_cast<guard_start *>(shared);
    start->socket = ends[1];
    start->marker = marker;
    int here = 0;
    release_search search{start, reinterpret_cast<uintptr_t>(&here), sys::thread_pointer()};
    procfs::read_mappings(0, procfs::mappings_file::maps, collect_releasable, &search);

    // Two forks, so that the guard is nobody's child here: it is adopted by
    // init (or a subreaper), which reaps it, and this program's wait calls
    // never meet it.
    const long middle = sys::start_detached_child();
    if (middle == 0) {
        const long guard = sys::start_detached_child();
        if (guard == 0) run_exec_guard(*start);  // does not return
        __atomic_store_n(&start->guard_pid, guard, __ATOMIC_RELEASE);
        sys::exit_process(guard > 0 ? 0 : 1);
    }
    long result = middle < 0 ? middle : 0;
    if (middle > 0) {
        sys::wait_for_clone_child(middle);
        const long guard = __atomic_load_n(&start->guard_pid, __ATOMIC_ACQUIRE);
        if (guard > 0) g_guard_pid = guard;
        else result = guard < 0 ? guard : -ECHILD;
    }
    sys::close_descriptor(ends[1]);
    munmap(shared, bytes);
    if (result != 0) {
        sys::close_descriptor(ends[0]);
        return result;
    }
    // Out of the way of programs that count their descriptors from 3, with
    // its identity kept, and never waited on for long (a stopped guard).
    const long high = sys::move_descriptor_high(ends[0], kSocketNumberAtLeast);
    launch->socket = high >= 0 ? static_cast<int>(high) : ends[0];
    launch->inode = sys::descriptor_inode(launch->socket);
    sys::set_receive_timeout(launch->socket, kGuardAnswerMilliseconds);
    return 0;
}

// Whether the socket is still the one to the guard: the program may have
// closed it (closefrom, a daemon's loop) and reused the number.
static bool still_ours(exec_guard_launch launch) {
    return launch.socket >= 0 && launch.inode != 0 && sys::descriptor_inode(launch.socket) == launch.inode;
}

long hand_listener_to_guard(exec_guard_launch launch, int listener) {
    const long sent = still_ours(launch) ? sys::send_descriptor(launch.socket, listener) : -EBADF;
    sys::close_descriptor(listener);
    if (sent != 0) g_guard_pid = 0;
    return sent;
}

long ask_guard_to_release(exec_guard_launch launch) {
    if (!still_ours(launch)) return -EBADF;
    if (long failed = sys::send_byte(launch.socket, kReleaseRequest)) return failed;
    const long answer = sys::receive_byte(launch.socket);
    if (answer < 0) return answer;
    return answer == kReleased ? 0 : -EPROTO;
}

void cancel_exec_guard(exec_guard_launch launch) {
    // The guard reads end-of-file: without a listener it exits; with one
    // it serves it until nobody uses the filter.
    if (still_ours(launch)) sys::close_descriptor(launch.socket);
}

long exec_guard_pid() { return g_guard_pid; }

}  // namespace sealkit::seccomp
