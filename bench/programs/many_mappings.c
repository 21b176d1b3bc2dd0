/*
 * A process with COUNT mappings for `sealkit status` benchmarks: COUNT
 * single-page anonymous mappings, alternately read-write and read-only so
 * the kernel cannot merge them, every page touched (written or read) so that
 * smaps has page tables to walk, as in a real program. Prints "ready PID"
 * once they exist, then waits until its stdin reaches end of file (or ten
 * minutes pass), so the benchmark script can end it by closing the pipe.
 *
 *   many_mappings [COUNT]     (default 10000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long count = argc > 1 ? strtol(argv[1], NULL, 10) : 10000;
    long page = sysconf(_SC_PAGESIZE);
    if (count <= 0) {
        fprintf(stderr, "many_mappings: bad COUNT\n");
        return 2;
    }
    char *base = mmap(NULL, (size_t)(count * page), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
        perror("many_mappings: mmap");
        return 1;
    }
    volatile char sink = 0;
    for (long i = 0; i < count; ++i) {
        char *p = base + i * page;
        if (i % 2 == 0) {
            p[0] = 1;
        } else {
            sink += p[0];
            if (mprotect(p, (size_t)page, PROT_READ) != 0) {
                perror("many_mappings: mprotect");
                return 1;
            }
        }
    }
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    alarm(600);
    char buffer[64];
    while (read(0, buffer, sizeof buffer) > 0) {
    }
    return 0;
}
