/*
 * mdwe_probe present|absent: does this kernel have prctl(PR_SET_MDWE)
 * (memory-deny-write-execute, Linux 6.3+)? Before 6.3 both PR_GET_MDWE and
 * PR_SET_MDWE fail with EINVAL; with it, a child that sets
 * PR_MDWE_REFUSE_EXEC_GAIN can no longer make a writable page executable.
 */
#include "probe.h"

#include <sys/mman.h>
#include <sys/prctl.h>

#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65
#define PR_GET_MDWE 66
#endif
#ifndef PR_MDWE_REFUSE_EXEC_GAIN
#define PR_MDWE_REFUSE_EXEC_GAIN 1
#endif

static enum probe_answer measure(void) {
    int got = prctl(PR_GET_MDWE, 0L, 0L, 0L, 0L);
    int get_error = got < 0 ? errno : 0;
    printf("prctl(PR_GET_MDWE) = %d%s%s\n", got, got < 0 ? " " : "", got < 0 ? probe_errno_name(get_error) : "");

    int set = prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0L, 0L, 0L);
    int set_error = set < 0 ? errno : 0;
    printf("prctl(PR_SET_MDWE, REFUSE_EXEC_GAIN) = %d%s%s\n", set, set < 0 ? " " : "",
           set < 0 ? probe_errno_name(set_error) : "");

    if (got < 0 && get_error == EINVAL && set < 0 && set_error == EINVAL) return probe_absent;
    if (got < 0 || set != 0) return probe_unknown;

    void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) return probe_unknown;
    int gain = mprotect(page, 4096, PROT_READ | PROT_EXEC);
    printf("mprotect(writable page, READ|EXEC) under MDWE = %d%s%s\n", gain, gain ? " " : "",
           gain ? probe_errno_name(errno) : "");
    return gain != 0 && errno == EACCES ? probe_present : probe_unknown;
}

int main(int argc, char **argv) {
    enum probe_answer expected = probe_expected(argc, argv, "PR_SET_MDWE");
    return probe_verdict("PR_SET_MDWE", probe_in_child(measure, probe_unknown), expected);
}
