#include "system/process_calls.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace sealkit::sys {
namespace {

template <typename Call>
long without_errno(Call call) {
    int saved = errno;
    long result = call();
    long answer = result == -1 ? -errno : result;
    errno = saved;
    return answer;
}

#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif

}  // namespace

long install_seccomp_filter_with_listener(const sock_fprog *program, const uint64_t (&token)[2]) {
    const unsigned long flags =
        SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_TSYNC_ESRCH | SECCOMP_FILTER_FLAG_NEW_LISTENER;
    return without_errno(
        [&] { return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, program, token[0], token[1]); });
}

long receive_notification(int listener, seccomp_notif *request) {
    return without_errno([&] { return syscall(SYS_ioctl, listener, SECCOMP_IOCTL_NOTIF_RECV, request); });
}

long send_notification_response(int listener, seccomp_notif_resp *response) {
    return without_errno([&] { return syscall(SYS_ioctl, listener, SECCOMP_IOCTL_NOTIF_SEND, response); });
}

long notification_still_valid(int listener, uint64_t id) {
    return without_errno([&] { return syscall(SYS_ioctl, listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id); });
}

namespace {

struct private_run {
    long (*fn)(void *);
    void *arg;
    long result;
};

int run_private(void *argument) {
    auto *run = static_cast<private_run *>(argument);
    run->result = run->fn(run->arg);
    return 0;
}

}  // namespace

long run_with_private_descriptors(long (*fn)(void *), void *arg) {
    constexpr size_t kStackBytes = 64 * 1024;
    int saved = errno;
    void *stack = mmap(nullptr, kStackBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) {
        const long failed = -errno;
        errno = saved;
        return failed;
    }
    // The thread starts with the caller's signal mask: everything blocked.
    sigset_t all, previous;
    sigfillset(&all);
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, &previous, _NSIG / 8);
    private_run run{fn, arg, 0};
    volatile pid_t thread = 0;  // set by the kernel at clone, cleared (and woken) at the thread's exit
    const int flags = CLONE_VM | CLONE_FS | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_PARENT_SETTID |
                      CLONE_CHILD_CLEARTID;
    const int started = clone(run_private, static_cast<char *>(stack) + kStackBytes, flags, &run,
                              const_cast<pid_t *>(&thread), nullptr, const_cast<pid_t *>(&thread));
    long answer;
    if (started == -1) {
        answer = -errno;
    } else {
        for (;;) {
            const pid_t still = __atomic_load_n(&thread, __ATOMIC_ACQUIRE);
            if (still == 0) break;
            syscall(SYS_futex, const_cast<pid_t *>(&thread), FUTEX_WAIT, still, nullptr, nullptr, 0);
        }
        answer = run.result;
    }
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &previous, nullptr, _NSIG / 8);
    munmap(stack, kStackBytes);
    errno = saved;
    return answer;
}

long start_detached_child() {
    // clone with no flags and exit signal 0: a copy of the process, like
    // fork, but without libc's atfork handlers and without SIGCHLD.
    return without_errno([] { return syscall(SYS_clone, 0UL, 0UL, 0UL, 0UL, 0UL); });
}

long wait_for_clone_child(long pid) {
    return without_errno([&] {
        long r;
        do r = syscall(SYS_wait4, pid, nullptr, __WALL, nullptr);
        while (r == -1 && errno == EINTR);
        return r;
    });
}

uintptr_t map_marker_page(const char *name, uint64_t *inode) {
    int saved = errno;
    uintptr_t answer;
    const long fd = syscall(SYS_memfd_create, name, MFD_CLOEXEC);
    if (fd < 0) {
        answer = static_cast<uintptr_t>(-static_cast<long>(errno));
    } else {
        struct stat status;
        void *p = MAP_FAILED;
        if (ftruncate(static_cast<int>(fd), 4096) == 0 && fstat(static_cast<int>(fd), &status) == 0)
            p = mmap(nullptr, 4096, PROT_READ, MAP_SHARED, static_cast<int>(fd), 0);
        if (p == MAP_FAILED) {
            answer = static_cast<uintptr_t>(-static_cast<long>(errno));
        } else {
            answer = reinterpret_cast<uintptr_t>(p);
            *inode = status.st_ino;
        }
        close(static_cast<int>(fd));
    }
    errno = saved;
    return answer;
}

long make_socket_pair(int (&ends)[2]) {
    return without_errno([&] { return syscall(SYS_socketpair, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends); });
}

long send_descriptor(int socket, int fd) {
    char byte = 'L';
    iovec data = {&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    __builtin_memset(control, 0, sizeof control);
    msghdr message;
    __builtin_memset(&message, 0, sizeof message);
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    __builtin_memcpy(CMSG_DATA(header), &fd, sizeof fd);
    return without_errno([&] {
        long r;
        do r = syscall(SYS_sendmsg, socket, &message, MSG_NOSIGNAL);
        while (r == -1 && errno == EINTR);
        return r < 0 ? r : 0;
    });
}

long receive_descriptor(int socket) {
    char byte = 0;
    iovec data = {&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    msghdr message;
    __builtin_memset(&message, 0, sizeof message);
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    const long got = without_errno([&] {
        long r;
        do r = syscall(SYS_recvmsg, socket, &message, MSG_CMSG_CLOEXEC);
        while (r == -1 && errno == EINTR);
        return r;
    });
    if (got < 0) return got;
    cmsghdr *header = CMSG_FIRSTHDR(&message);
    if (got == 0 || header == nullptr || header->cmsg_type != SCM_RIGHTS) return -EPIPE;
    int fd;
    __builtin_memcpy(&fd, CMSG_DATA(header), sizeof fd);
    return fd;
}

long send_byte(int socket, char byte) {
    return without_errno([&] {
        long r;
        do r = syscall(SYS_sendto, socket, &byte, 1UL, MSG_NOSIGNAL, nullptr, 0UL);
        while (r == -1 && errno == EINTR);
        return r < 0 ? r : 0;
    });
}

long receive_byte(int socket) {
    unsigned char byte = 0;
    const long got = without_errno([&] {
        long r;
        do r = syscall(SYS_recvfrom, socket, &byte, 1UL, 0, nullptr, nullptr);
        while (r == -1 && errno == EINTR);
        return r;
    });
    if (got < 0) return got;
    return got == 0 ? -EPIPE : byte;
}

long close_descriptor(int fd) {
    return without_errno([&] { return syscall(SYS_close, fd); });
}

void close_all_descriptors_except(int keep) {
    int saved = errno;
    const auto close_range_call = [](unsigned first, unsigned last) {
        return syscall(SYS_close_range, first, last, 0U);
    };
    bool done = true;
    if (keep > 0 && close_range_call(0, static_cast<unsigned>(keep) - 1) != 0) done = false;
    if (done && close_range_call(static_cast<unsigned>(keep) + 1, ~0U) != 0) done = false;
    if (!done) {  // before Linux 5.9: one by one
        for (long fd = 0; fd < 65536; ++fd)
            if (fd != keep) syscall(SYS_close, fd);
    }
    errno = saved;
}

long open_for_reading(const char *path) {
    return without_errno([&] { return syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC); });
}

long read_some(int fd, char *buffer, size_t size) {
    return without_errno([&] {
        long r;
        do r = syscall(SYS_read, fd, buffer, size);
        while (r == -1 && errno == EINTR);
        return r;
    });
}

long wait_for_either(int a, int b, short events, short *events_a, short *events_b) {
    return without_errno([&] {
        struct pollfd two[2] = {{a, events, 0}, {b, events, 0}};
        long r;
        do r = syscall(SYS_poll, two, b >= 0 ? 2UL : 1UL, -1L);
        while (r == -1 && errno == EINTR);
        *events_a = two[0].revents;
        *events_b = b >= 0 ? two[1].revents : 0;
        return r < 0 ? r : 0;
    });
}

long random_token(uint64_t (&token)[2]) {
    int saved = errno;
    long r;
    do r = syscall(SYS_getrandom, token, sizeof token, 0U);
    while (r == -1 && errno == EINTR);
    const long answer = r == static_cast<long>(sizeof token) ? 0 : r < 0 ? -errno : -EIO;
    errno = saved;
    return answer;
}

void detach_from_session(const char *name) {
    int saved = errno;
    syscall(SYS_setsid);
    syscall(SYS_prctl, PR_SET_NAME, name, 0L, 0L, 0L);
    syscall(SYS_prctl, PR_SET_DUMPABLE, 0L, 0L, 0L, 0L);
    syscall(SYS_chdir, "/");  // the working directory would only pin a mount
    sigset_t all;
    sigfillset(&all);
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, nullptr, _NSIG / 8);
    errno = saved;
}

bool proc_shows_own_namespace() {
    int saved = errno;
    char link[32];
    const long length = syscall(SYS_readlinkat, AT_FDCWD, "/proc/self", link, sizeof link - 1);
    bool own = false;
    if (length > 0) {
        long pid = 0;
        for (long i = 0; i < length; ++i) {
            if (link[i] < '0' || link[i] > '9') {
                pid = -1;
                break;
            }
            pid = pid * 10 + (link[i] - '0');
        }
        own = pid == syscall(SYS_getpid);
    }
    errno = saved;
    return own;
}

long move_descriptor_high(int fd, int at_least) {
    const long moved = without_errno([&] { return syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, at_least); });
    if (moved >= 0) syscall(SYS_close, fd);
    return moved;
}

uint64_t descriptor_inode(int fd) {
    int saved = errno;
    struct stat status;
    const long r = syscall(SYS_fstat, fd, &status);
    errno = saved;
    return r == 0 ? status.st_ino : 0;
}

long set_receive_timeout(int socket, int milliseconds) {
    struct timeval limit = {milliseconds / 1000, (milliseconds % 1000) * 1000};
    return without_errno([&] { return syscall(SYS_setsockopt, socket, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit); });
}

void exit_process(int status) {
    for (;;) syscall(SYS_exit_group, status);
}

uintptr_t thread_pointer() {
#if defined(__x86_64__)
    uintptr_t fs;
    __asm__("mov %%fs:0, %0" : "=r"(fs));
    return fs;
#else
    return reinterpret_cast<uintptr_t>(__builtin_thread_pointer());
#endif
}

}  // namespace sealkit::sys
