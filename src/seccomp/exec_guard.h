// Makes seals end at execve under the seccomp backend, as the kernel's do.
//
// seccomp filters outlive execve; seals must not. A program exec'd from a
// sealed one maps with MAP_FIXED and mprotects wherever its loader likes,
// and must never be refused because of the earlier image's seals. No filter
// can tell the two images apart (it sees only the syscall number and
// arguments), so the process's first seal filter answers a call that
// touches a sealed range with SECCOMP_RET_USER_NOTIF, and a small helper
// process, the exec guard ("sealkit-guard" in ps), decides:
//   - the calling task still shows the sealing image's marker page
//     (image_marker.h): the sealing image, one of its threads, or a fork
//     child: refused with EPERM, exactly as an ERRNO filter would;
//   - no marker: the task has exec'd: the call goes ahead
//     (SECCOMP_USER_NOTIF_FLAG_CONTINUE).
// Only calls that touch a sealed range take this path; every other call is
// decided in the kernel as before, at the same cost.
//
// Fail closed: if the guard dies (killed, out of memory), a call on a
// sealed range fails with ENOSYS, the kernel's answer when nobody listens,
// so the range stays protected; the listener lock compiled into the guarded
// filter (seal_filter_policy::listener_lock_token) then keeps anyone from
// installing a listener of their own to answer in the guard's place. The guard exits by itself once no task uses the filter
// (the kernel signals POLLHUP, Linux 5.8+).
//
// Later seals of the same image move the guard to a newer filter holding
// every range sealed so far (one listener per chain: the guard closes the
// old one first, and a call on a sealed range meanwhile fails with
// ENOSYS).
//
// Limits (docs/seccomp-backend.md): tasks forked or exec'd before such a
// move keep the older filter, whose sealed calls now fail with ENOSYS; an
// exec'd program that seals again cannot have a listener of its own (its
// seals stay in force after its own exec); a fork child that seals, and a
// move whose filter would not fit in one filter, get plain ERRNO filters.
//
//   image_marker marker;
//   exec_guard_launch guard;
//   if (prepare_exec_guard(&marker) == 0 && launch_exec_guard(marker, &guard) == 0) {
//       ... compile the first filter with the marker's page sealed and
//       ... refusal = SECCOMP_RET_USER_NOTIF, install it with a listener
//       hand_listener_to_guard(guard, listener);  // or cancel_exec_guard(guard)
//   }
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "seccomp/image_marker.h"
#include "seccomp/seal_filter_compiler.h"

namespace sealkit::seccomp {

// Whether the first filter should be exec-aware: the kernel offers user
// notification with CONTINUE and POLLHUP (Linux 5.8+), and
// SEALKIT_EXEC_GUARD is not off (0, no, false, off; any other value keeps
// the guard: system/switch_variable.h). When not, *why says which.
bool exec_guard_possible(const char **why);

// Maps the marker page. 0 or -errno.
long prepare_exec_guard(image_marker *marker);

// The guard could not be started: unmaps the marker again.
void abandon_exec_guard(image_marker marker);

// Whether a listener can still be had in this filter chain: false when an
// earlier image (this program was exec'd from a sealed one) holds it.
// Costs a one-instruction filter in the chain when filters exist already.
bool listener_available();

// Forks the guard before the guarded filter exists (so the guard itself
// is never subject to it and the filter's users can drop to zero). The
// guard waits for its listener. 0 or -errno.
struct exec_guard_launch {
    int socket = -1;     // this image's end of the socket pair, moved to a high number
    uint64_t inode = 0;  // its inode: a program that closed it and reused the number is not the guard
};
long launch_exec_guard(image_marker marker, exec_guard_launch *launch);

// Sends the guarded filter's listener to the guard and closes this copy.
// 0, or -errno (the listener is closed all the same, so sealed calls fail
// with ENOSYS until the caller installs a plain ERRNO filter over the same
// ranges).
long hand_listener_to_guard(exec_guard_launch launch, int listener);

// A later seal moves the guard to a newer filter that holds every sealed
// range (the kernel allows one listener per chain): the guard closes its
// listener, and answers when it has. 0 or -errno (the guard is gone).
long ask_guard_to_release(exec_guard_launch launch);

// No more listeners will come (the guarded filter could not be installed,
// or a move failed): the guard exits once its current listener, if any,
// has no users.
void cancel_exec_guard(exec_guard_launch launch);

// The guard's pid, or 0 when this process started none (for tests and
// `sealkit status`).
long exec_guard_pid();

}  // namespace sealkit::seccomp
