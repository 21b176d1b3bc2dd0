/*
 * status_renamed_target: a process whose command name (/proc/PID/comm) is
 * whatever the test asks for, set with prctl(PR_SET_NAME), so the tests of
 * `sealkit status` can check how names holding quotes, backslashes,
 * newlines or bytes that are not UTF-8 are printed and escaped. It seals
 * nothing. It prints "pid=PID", "comm_length=BYTES KEPT" and "ready", then waits
 * until its stdin is closed.
 *
 *   status_renamed_target NAME     (at most 15 bytes are kept, as for any comm)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: status_renamed_target NAME\n");
        return 2;
    }
    if (prctl(PR_SET_NAME, argv[1], 0, 0, 0) != 0) {
        perror("prctl(PR_SET_NAME)");
        return 1;
    }
    char name[17] = {0};
    if (prctl(PR_GET_NAME, name, 0, 0, 0) != 0) {
        perror("prctl(PR_GET_NAME)");
        return 1;
    }
    printf("pid=%ld\n", (long)getpid());
    printf("comm_length=%zu\n", strlen(name));
    printf("ready\n");
    fflush(stdout);
    char buffer[256];
    while (fread(buffer, 1, sizeof buffer, stdin) > 0) {
    }
    return 0;
}
