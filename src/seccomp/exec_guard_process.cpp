#include "seccomp/exec_guard_process.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "system/process_calls.h"
#include "system/syscalls.h"

namespace sealkit::seccomp {
namespace {

// "/proc/<tid>/maps" without snprintf (not async-signal-safe).
void maps_path(long tid, char (&path)[40]) {
    char digits[24];
    size_t n = 0;
    unsigned long value = static_cast<unsigned long>(tid);
    do {
        digits[n++] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0 && n < sizeof digits);
    const char prefix[] = "/proc/";
    const char suffix[] = "/maps";
    size_t at = 0;
    for (size_t i = 0; i + 1 < sizeof prefix; ++i) path[at++] = prefix[i];
    while (n > 0) path[at++] = digits[--n];
    for (size_t i = 0; i < sizeof suffix; ++i) path[at++] = suffix[i];  // with the NUL
}

void answer(int listener, const seccomp_notif &request, image_marker marker, bool blind) {
    seccomp_notif_resp response;
    __builtin_memset(&response, 0, sizeof response);
    response.id = request.id;
    const bool brk = is_break_request(request.data.arch, request.data.nr);
    uint64_t heap_end = 0;
    if (!blind && !task_runs_sealing_image(request.pid, marker, brk ? &heap_end : nullptr)) {
        response.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;  // exec'd: the kernel decides
    } else if (brk) {
        // The filter asks only for a break below the top of the sealed heap
        // pages: the kernel would refuse to unmap them and return the
        // current break, which glibc's brk() turns into success. When the
        // break cannot be read, fail the call: nothing is unmapped.
        if (heap_end != 0) response.val = static_cast<int64_t>(heap_end);
        else response.error = -ENOMEM;
    } else {
        response.error = -EPERM;
    }
    // The task may have died and its pid been reused while /proc was
    // read: answer only a notification that is still pending.
    if (sys::notification_still_valid(listener, request.id) != 0) return;
    sys::send_notification_response(listener, &response);
}

}  // namespace

bool is_break_request(uint32_t arch, int nr) {
    if (arch == AUDIT_ARCH_X86_64) return (nr & ~0x40000000) == 12;
    if (arch == AUDIT_ARCH_I386) return nr == 45;
    return false;
}

bool task_runs_sealing_image(long tid, image_marker marker, uint64_t *heap_end) {
    char path[40];
    maps_path(tid, path);
    // Any doubt means "the sealing image": a task that is really gone never
    // receives the answer, and one whose maps cannot be read (not
    // dumpable) must not get through.
    const long fd = sys::open_for_reading(path);
    if (fd < 0) return true;
    marker_search search(marker, heap_end != nullptr);
    char buffer[4096];
    bool failed = false, empty = true;
    while (!search.finished()) {
        const long got = sys::read_some(static_cast<int>(fd), buffer, sizeof buffer);
        if (got < 0) failed = true;
        if (got <= 0) break;
        empty = false;
        search.feed(buffer, static_cast<size_t>(got));
    }
    failed = failed || empty;  // no mappings at all: not a task we can judge
    sys::close_descriptor(static_cast<int>(fd));
    if (heap_end != nullptr) *heap_end = failed ? 0 : search.heap_end();
    return search.found() || failed;
}

void run_exec_guard(const guard_start &start) {
    const image_marker marker = start.marker;
    int socket = start.socket;
    sys::detach_from_session("sealkit-guard");
    // /proc of another PID namespace would show other tasks under the
    // notifications' pids: then refuse every sealed call (the seals hold,
    // as without a guard).
    const bool blind = !sys::proc_shows_own_namespace();
    sys::close_all_descriptors_except(socket);
    // The filter is installed after this fork; its listener comes over the
    // socket, or end-of-file when the filter could not be installed.
    const long received = sys::receive_descriptor(socket);
    if (received < 0) sys::exit_process(0);
    int listener = static_cast<int>(received);
    // Give back the inherited copy of the program's memory: the guard never
    // touches it, and holding it would keep every page the program changes
    // from now on alive twice.
    for (size_t i = 0; i < start.release_count && i < guard_start::kMaxRelease; ++i)
        sys::advise(start.release[i].start, start.release[i].end - start.release[i].start, MADV_DONTNEED);

    for (;;) {
        short on_listener = 0, on_socket = 0;
        if (sys::wait_for_either(listener, socket, POLLIN, &on_listener, &on_socket) != 0) sys::exit_process(1);
        if (on_listener & POLLIN) {
            seccomp_notif request;
            __builtin_memset(&request, 0, sizeof request);
            if (sys::receive_notification(listener, &request) != 0) continue;  // the task died meanwhile
            answer(listener, request, marker, blind);
            continue;
        }
        if (on_socket != 0) {
            const long message = sys::receive_byte(socket);
            if (message == kReleaseRequest) {
                // A newer filter with every sealed range replaces this one:
                // the kernel gives it a listener only once this one is gone.
                sys::close_descriptor(listener);
                const long next = sys::send_byte(socket, kReleased) == 0 ? sys::receive_descriptor(socket) : -EPIPE;
                if (next < 0) sys::exit_process(0);  // nothing to serve
                listener = static_cast<int>(next);
                continue;
            }
            // The sealing image is gone or done: serve on without it.
            sys::close_descriptor(socket);
            socket = -1;
            continue;
        }
        // POLLHUP: no task uses the filter any more. (POLLERR is what an
        // interrupted poll of a listener can say: poll again.)
        if (on_listener & (POLLHUP | POLLNVAL)) sys::exit_process(0);
        const struct timespec pause = {0, 1000000};
        syscall(SYS_nanosleep, &pause, nullptr);
    }
}

}  // namespace sealkit::seccomp
