/*
 * protected_c_target STEP: protected data from C (SEALKIT_PROTECTED) in a
 * real program, for the tests to run with and without startup sealing.
 *   writer-then-freeze  write in a writer scope, freeze everything, then
 *                       try to re-open a writer and to mprotect the data.
 *   write-unscoped      write without a writer scope (must fault).
 * Prints "key value" lines.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sealkit/protected_memory.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

struct policy {
    int require_tls;
    int max_attempts;
    char admin_group[16];
};
SEALKIT_PROTECTED(struct policy, policy) = {{1, 3, "wheel"}};

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    printf("initial %d %d %s\n", policy.value.require_tls, policy.value.max_attempts, policy.value.admin_group);
    printf("sealed-before-freeze %d\n", sealkit_is_sealed(&policy, sizeof policy));
    if (strcmp(argv[1], "write-unscoped") == 0) {
        fflush(stdout);
        *(volatile int *)&policy.value.max_attempts = 99;
        printf("unscoped-write succeeded\n");
        return 1;
    }
    if (sealkit_protected_begin_write(&policy, sizeof policy) != 0) {
        printf("begin-write %s\n", strerror(errno));
        return 1;
    }
    policy.value.max_attempts = 5;
    sealkit_protected_end_write(&policy, sizeof policy);
    printf("after-write %d\n", policy.value.max_attempts);
    printf("freeze %d\n", sealkit_freeze_protected_data());
    printf("frozen %d sealed %d\n", sealkit_protected_is_frozen(&policy, sizeof policy),
           sealkit_is_sealed(&policy, sizeof policy));
    int reopened = sealkit_protected_begin_write(&policy, sizeof policy);
    printf("begin-write-after-freeze %s\n", reopened == 0 ? "ok" : strerror(errno));
    int made_writable = mprotect(&policy, sizeof policy, PROT_READ | PROT_WRITE);
    printf("mprotect-after-freeze %s\n", made_writable == 0 ? "ok" : strerror(errno));
    printf("final %d\n", policy.value.max_attempts);
    return 0;
}
