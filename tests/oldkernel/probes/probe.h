/*
 * probe.h: the shared contract of the old-kernel probes (one fact each).
 *
 * A probe measures one kernel fact in a forked child (so that nothing it
 * changes, a seccomp filter, MDWE, a crash, reaches the caller), prints what
 * it saw in plain sentences, and compares it with what the caller expects:
 *
 *     mseal_probe absent        # exit 0: the kernel has no mseal(2)
 *     mseal_probe present       # exit 1 on that same kernel
 *
 * Exit status: 0 the fact is as expected, 1 it is not, 2 usage error,
 * 3 the probe could not measure (an unexpected errno, a hung child).
 * scripts/oldkernel/guest-tests runs the probes inside the old kernel.
 */
#pragma once

#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum probe_answer { probe_absent = 0, probe_present = 1, probe_unknown = 2 };

static inline const char *probe_errno_name(int error) {
    const char *name = strerrorname_np(error);
    return name != NULL ? name : "unknown errno";
}

/* "present" or "absent" from argv[1]; exits 2 with one sentence otherwise. */
static inline enum probe_answer probe_expected(int argc, char **argv, const char *fact) {
    if (argc == 2 && strcmp(argv[1], "present") == 0) return probe_present;
    if (argc == 2 && strcmp(argv[1], "absent") == 0) return probe_absent;
    fprintf(stderr, "%s: give the expected answer for %s: \"present\" or \"absent\" (got %s).\n",
            argv[0], fact, argc >= 2 ? argv[1] : "nothing");
    exit(2);
}

/* Runs measure() in a child with a 10 s alarm; returns its answer. A child
 * killed by a signal is reported, and counts as `on_signal`. */
static inline enum probe_answer probe_in_child(enum probe_answer (*measure)(void),
                                               enum probe_answer on_signal) {
    fflush(stdout);
    pid_t child = fork();
    if (child < 0) {
        printf("fork failed: %s\n", probe_errno_name(errno));
        return probe_unknown;
    }
    if (child == 0) {
        alarm(10);
        enum probe_answer answer = measure();
        fflush(stdout);
        _exit((int)answer);
    }
    int status = 0;
    if (waitpid(child, &status, 0) != child) return probe_unknown;
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        printf("the measuring child was killed by %s\n", sigabbrev_np(sig) ? sigabbrev_np(sig) : "a signal");
        return sig == SIGALRM ? probe_unknown : on_signal;
    }
    int code = WEXITSTATUS(status);
    return code <= probe_unknown ? (enum probe_answer)code : probe_unknown;
}

/* Prints the verdict line and returns the probe's exit status. */
static inline int probe_verdict(const char *fact, enum probe_answer measured, enum probe_answer expected) {
    if (measured == probe_unknown) {
        printf("%s: could not be measured\n", fact);
        return 3;
    }
    printf("%s: %s (expected %s)\n", fact, measured == probe_present ? "present" : "absent",
           expected == probe_present ? "present" : "absent");
    return measured == expected ? 0 : 1;
}
