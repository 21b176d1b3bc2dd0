/*
 * seccomp_notify_probe present|absent: does this kernel have seccomp user
 * notification with SECCOMP_USER_NOTIF_FLAG_CONTINUE (Linux 5.5+)? A
 * supervisor that decides about a system call in another thread, then lets it
 * run unchanged, is what a seccomp backend for sealing needs.
 *
 * In a child: a supervisor thread starts first, then the main thread alone
 * installs a filter (no TSYNC) that sends getppid to a listener. The
 * supervisor answers the first getppid with CONTINUE (the call must return
 * the real parent PID) and the second with EPERM (the call must fail so).
 */
#include "probe.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

static int handoff[2];
static int continue_accepted = -1;

static void *supervise(void *unused) {
    (void)unused;
    int listener = -1;
    if (read(handoff[0], &listener, sizeof listener) != sizeof listener) return NULL;
    for (int round = 0; round < 2; round++) {
        struct seccomp_notif request;
        memset(&request, 0, sizeof request);
        if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &request) != 0) return NULL;
        struct seccomp_notif_resp response;
        memset(&response, 0, sizeof response);
        response.id = request.id;
        if (round == 0) response.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        else response.error = -EPERM;
        int sent = ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &response);
        if (round == 0) continue_accepted = sent == 0;
        if (sent != 0) {
            /* CONTINUE refused (before 5.5): answer the waiting call plainly. */
            response.flags = 0;
            response.error = -EPERM;
            ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &response);
        }
    }
    return NULL;
}

static enum probe_answer measure(void) {
    pthread_t supervisor;
    if (pipe(handoff) != 0 || pthread_create(&supervisor, NULL, supervise, NULL) != 0) return probe_unknown;

    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog program = {.len = sizeof code / sizeof code[0], .filter = code};
    long real_parent = syscall(SYS_getppid); /* before the filter: not notified */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) != 0) return probe_unknown;
    long listener = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &program);
    if (listener < 0) {
        int error = errno;
        printf("seccomp(SET_MODE_FILTER, NEW_LISTENER) failed: %s\n", probe_errno_name(error));
        return error == EINVAL ? probe_absent : probe_unknown;
    }
    int fd = (int)listener;
    if (write(handoff[1], &fd, sizeof fd) != sizeof fd) return probe_unknown;

    long first = syscall(SYS_getppid);
    int first_error = first < 0 ? errno : 0;
    long second = syscall(SYS_getppid);
    int second_error = second < 0 ? errno : 0;
    pthread_join(supervisor, NULL);

    printf("getppid answered with CONTINUE = %ld%s%s (parent is %ld)\n", first, first < 0 ? " " : "",
           first < 0 ? probe_errno_name(first_error) : "", real_parent);
    printf("getppid answered with EPERM = %ld%s%s\n", second, second < 0 ? " " : "",
           second < 0 ? probe_errno_name(second_error) : "");
    if (continue_accepted == 0) return probe_absent;
    if (first == real_parent && second == -1 && second_error == EPERM) return probe_present;
    return probe_unknown;
}

int main(int argc, char **argv) {
    enum probe_answer expected = probe_expected(argc, argv, "seccomp user notification with CONTINUE");
    return probe_verdict("seccomp user notification with CONTINUE", probe_in_child(measure, probe_unknown),
                         expected);
}
