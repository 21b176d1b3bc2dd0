/*
 * mseal_probe present|absent: does this kernel have mseal(2) (Linux 6.10+)?
 * Measured through the raw system call 462, twice: the free probe
 * mseal(NULL, 0, 0) and a seal of a fresh page. Both must agree: 0 means
 * present, ENOSYS means absent; anything else is reported as unmeasurable.
 */
#include "probe.h"

#include <sys/mman.h>
#include <sys/syscall.h>

static const long kMsealNr = 462;

static enum probe_answer measure(void) {
    long empty = syscall(kMsealNr, NULL, 0UL, 0UL);
    int empty_error = empty == 0 ? 0 : errno;
    printf("mseal(NULL, 0, 0) = %ld%s%s\n", empty, empty ? " " : "", empty ? probe_errno_name(empty_error) : "");

    void *page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) {
        printf("mmap of a page failed: %s\n", probe_errno_name(errno));
        return probe_unknown;
    }
    long sealed = syscall(kMsealNr, page, 4096UL, 0UL);
    int sealed_error = sealed == 0 ? 0 : errno;
    printf("mseal(fresh page, 4096, 0) = %ld%s%s\n", sealed, sealed ? " " : "",
           sealed ? probe_errno_name(sealed_error) : "");

    if (empty == 0 && sealed == 0) return probe_present;
    if (empty_error == ENOSYS && sealed_error == ENOSYS) return probe_absent;
    return probe_unknown;
}

int main(int argc, char **argv) {
    enum probe_answer expected = probe_expected(argc, argv, "mseal(2)");
    return probe_verdict("mseal(2)", probe_in_child(measure, probe_unknown), expected);
}
