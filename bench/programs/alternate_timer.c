/*
 * Times two commands against each other: runs A and B alternately in the
 * order A B B A A B B A ... (so drift and order effects hit both equally),
 * ROUNDS times each after WARMUP untimed runs of each, with stdout sent to
 * /dev/null. Prints one line per timed run, "A NANOSECONDS" or
 * "B NANOSECONDS" (wall clock from posix_spawn to the end of waitpid).
 * Fails (exit 1) as soon as either command exits non-zero.
 *
 *   alternate_timer ROUNDS WARMUP A_PROGRAM [ARGS...] --- B_PROGRAM [ARGS...]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Runs argv with stdout on /dev/null; returns the wall time, or -1. */
static long long run(char **argv, posix_spawn_file_actions_t *actions) {
    pid_t pid;
    long long start = now_ns();
    if (posix_spawn(&pid, argv[0], actions, NULL, argv, environ) != 0) {
        perror(argv[0]);
        return -1;
    }
    int status;
    if (waitpid(pid, &status, 0) != pid) return -1;
    long long elapsed = now_ns() - start;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "alternate_timer: %s failed (status 0x%x)\n", argv[0], status);
        return -1;
    }
    return elapsed;
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: alternate_timer ROUNDS WARMUP A... --- B...\n");
        return 2;
    }
    int rounds = atoi(argv[1]);
    int warmup = atoi(argv[2]);
    char **a = argv + 3;
    char **b = NULL;
    for (int i = 3; i < argc; ++i) {
        if (strcmp(argv[i], "---") == 0) {
            argv[i] = NULL;
            b = argv + i + 1;
        }
    }
    if (b == NULL || *b == NULL || rounds <= 0) {
        fprintf(stderr, "usage: alternate_timer ROUNDS WARMUP A... --- B...\n");
        return 2;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    for (int i = 0; i < warmup; ++i)
        if (run(a, &actions) < 0 || run(b, &actions) < 0) return 1;
    for (int i = 0; i < 2 * rounds; ++i) {
        /* A B B A A B B A: position i runs A when i % 4 is 0 or 3. */
        int a_first = (i % 4 == 0) || (i % 4 == 3);
        long long t = run(a_first ? a : b, &actions);
        if (t < 0) return 1;
        printf("%c %lld\n", a_first ? 'A' : 'B', t);
    }
    return 0;
}
