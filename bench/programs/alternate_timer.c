/*
 * Times two commands against each other: runs A and B alternately in the
 * order A B B A A B B A ... (so drift and order effects hit both equally),
 * ROUNDS times each after WARMUP untimed runs of each, with stdout sent to
 * /dev/null. Prints one line per timed run, "A NANOSECONDS" or
 * "B NANOSECONDS" (wall clock from posix_spawn to the end of waitpid).
 * Fails (exit 1) as soon as either command exits non-zero.
 *
 *   alternate_timer ROUNDS WARMUP [NAME=VALUE...] A_PROGRAM [ARGS...] ---
 *                                 [NAME=VALUE...] B_PROGRAM [ARGS...]
 *
 * NAME=VALUE words before a program are added to that program's
 * environment only, as env(1) would, but without exec'ing env: the time
 * is the program's own, not env's plus the program's.
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

/* A command: its argument vector and the environment it runs with. */
struct command {
    char **argv;
    char **envp;
};

/* Splits words into leading NAME=VALUE assignments and the program with
 * its arguments; the assignments are put before (so they win over) a copy
 * of this process's environment. Returns 0, or -1 with no program left. */
static int parse_command(char **words, struct command *command) {
    size_t assignments = 0;
    while (words[assignments] != NULL && words[assignments][0] != '=' && strchr(words[assignments], '=') != NULL)
        ++assignments;
    if (words[assignments] == NULL) return -1;
    size_t inherited = 0;
    while (environ[inherited] != NULL) ++inherited;
    char **envp = calloc(assignments + inherited + 1, sizeof *envp);
    if (envp == NULL) return -1;
    size_t count = 0;
    for (size_t i = 0; i < assignments; ++i) envp[count++] = words[i];
    for (size_t i = 0; i < inherited; ++i) {
        size_t name_length = strcspn(environ[i], "=");
        int overridden = 0;
        for (size_t j = 0; j < assignments && !overridden; ++j)
            overridden = strncmp(words[j], environ[i], name_length + 1) == 0;
        if (!overridden) envp[count++] = environ[i];
    }
    command->argv = words + assignments;
    command->envp = envp;
    return 0;
}

/* Runs a command with stdout on /dev/null; returns the wall time, or -1. */
static long long run(const struct command *command, posix_spawn_file_actions_t *actions) {
    char **argv = command->argv;
    pid_t pid;
    long long start = now_ns();
    if (posix_spawn(&pid, argv[0], actions, NULL, argv, command->envp) != 0) {
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
    static const char usage[] = "usage: alternate_timer ROUNDS WARMUP [NAME=VALUE...] A... --- [NAME=VALUE...] B...\n";
    if (argc < 6) {
        fputs(usage, stderr);
        return 2;
    }
    int rounds = atoi(argv[1]);
    int warmup = atoi(argv[2]);
    char **a_words = argv + 3;
    char **b_words = NULL;
    for (int i = 3; i < argc; ++i) {
        if (strcmp(argv[i], "---") == 0) {
            argv[i] = NULL;
            b_words = argv + i + 1;
        }
    }
    struct command a, b;
    if (b_words == NULL || rounds <= 0 || parse_command(a_words, &a) != 0 || parse_command(b_words, &b) != 0) {
        fputs(usage, stderr);
        return 2;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    for (int i = 0; i < warmup; ++i)
        if (run(&a, &actions) < 0 || run(&b, &actions) < 0) return 1;
    for (int i = 0; i < 2 * rounds; ++i) {
        /* A B B A A B B A: position i runs A when i % 4 is 0 or 3. */
        int a_first = (i % 4 == 0) || (i % 4 == 3);
        long long t = run(a_first ? &a : &b, &actions);
        if (t < 0) return 1;
        printf("%c %lld\n", a_first ? 'A' : 'B', t);
    }
    return 0;
}
