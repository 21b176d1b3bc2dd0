// The system layer's process, file and seccomp-notification calls: what the
// exec guard (seccomp/exec_guard.h) needs to start a helper process and
// answer the kernel's questions about sealed calls. Like syscalls.h, each
// function wraps one call, returns 0 (or a result) or -errno, and leaves
// errno untouched; all are async-signal-safe, so they can run in a process
// forked from a multi-threaded one.
//
//   long fd = sys::install_seccomp_filter_with_listener(&program);
//   long child = sys::start_detached_child();  // 0 in the child
#pragma once

#include <stddef.h>
#include <stdint.h>

struct sock_fprog;
struct seccomp_notif;
struct seccomp_notif_resp;

namespace sealkit::sys {

// Installs a seccomp filter on every thread and returns its user-
// notification listener (a file descriptor, close-on-exec), or -errno:
// -EBUSY when the chain already has a listener, -ESRCH when a thread could
// not be synchronised, -EINVAL on kernels older than 5.7. The kernel reads
// three arguments; token goes in the fourth and fifth registers, which
// only a filter sees (seal_filter_policy::listener_lock_token).
long install_seccomp_filter_with_listener(const sock_fprog *program, const uint64_t (&token)[2]);

// seccomp user-notification ioctls on a listener.
long receive_notification(int listener, seccomp_notif *request);
long send_notification_response(int listener, seccomp_notif_resp *response);
long notification_still_valid(int listener, uint64_t id);

// A child process that sends no SIGCHLD (a "clone" child: waitpid(-1) and
// SIGCHLD handlers of the program never see it; reap it with
// wait_for_clone_child). 0 in the child, its pid in the parent, or -errno.
// No atfork handlers run: the child may use only async-signal-safe calls.
long start_detached_child();
long wait_for_clone_child(long pid);

// Runs fn(arg) in a new thread of this process that has its own copy of
// the descriptor table (clone without CLONE_FILES), and waits for it: a
// descriptor the thread opens exists only in its table, so a fork made by
// another thread meanwhile cannot inherit it. Signals stay blocked in the
// thread; it shares the caller's TLS (the caller waits), so fn may use only
// async-signal-safe calls. fn's result, or -errno when the thread could not
// be started.
long run_with_private_descriptors(long (*fn)(void *), void *arg);

// The memfd page the exec guard recognises an image by: created, sized to
// one page and mapped shared read-only; the descriptor is closed again.
// The address, or -errno cast (test with is_error()); *inode receives its
// inode number.
uintptr_t map_marker_page(const char *name, uint64_t *inode);

// A connected pair of local datagram sockets (close-on-exec).
long make_socket_pair(int (&ends)[2]);
// Passes fd over socket (SCM_RIGHTS); 0 or -errno.
long send_descriptor(int socket, int fd);
// Receives a descriptor sent with send_descriptor: it, or -errno (-EPIPE
// when the other end closed without sending one).
long receive_descriptor(int socket);

// One byte over a socket pair; receive_byte returns it (0..255), -EPIPE at
// end-of-file, or -errno.
long send_byte(int socket, char byte);
long receive_byte(int socket);

long close_descriptor(int fd);
// Closes every descriptor except keep.
void close_all_descriptors_except(int keep);
long open_for_reading(const char *path);
long read_some(int fd, char *buffer, size_t size);
// poll() on two descriptors (b may be -1), forever: 0 with the events of
// each, or -errno.
long wait_for_either(int a, int b, short events, short *events_a, short *events_b);

// 128 random bits (getrandom). 0 or -errno.
long random_token(uint64_t (&token)[2]);

// For a process that must outlive its creator quietly: a new session, a
// name in ps (PR_SET_NAME), "/" as working directory, every signal but
// SIGKILL and SIGSTOP blocked, and not dumpable, so that a process of the
// same user cannot ptrace it or take its descriptors (pidfd_getfd) without
// CAP_SYS_PTRACE.
void detach_from_session(const char *name);

// Whether /proc is this process's own PID namespace's: /proc/self names
// this process. When it does not, /proc/PID paths name other tasks.
bool proc_shows_own_namespace();

// Moves fd to a number at or above `at least` (close-on-exec), closing the
// old one: the new number, or -errno.
long move_descriptor_high(int fd, int at_least);
// The inode of fd's file, or 0 when fd is not open.
uint64_t descriptor_inode(int fd);
// A receive timeout on a socket, in milliseconds. 0 or -errno.
long set_receive_timeout(int socket, int milliseconds);
[[noreturn]] void exit_process(int status);

// Where this thread's TLS block lives (the FS base on x86_64): memory a
// forked helper must keep.
uintptr_t thread_pointer();

}  // namespace sealkit::sys
