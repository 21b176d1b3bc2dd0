/* seal_table: an installed-sealkit consumer in C. Seals a read-only table,
 * checks that it is sealed and that making it writable is refused, and that
 * the header and the library agree on the version. Exit 0 and one line
 * "seal_table: ok" on success; otherwise the failed check and exit 1. */
#include <errno.h>
#include <sealkit/sealkit.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define CHECK(condition)                                                  \
    do {                                                                  \
        if (!(condition)) {                                               \
            fprintf(stderr, "seal_table: failed: %s (errno %s)\n",        \
                    #condition, strerror(errno));                         \
            return 1;                                                     \
        }                                                                 \
    } while (0)

int main(void) {
    char expected[32];
    snprintf(expected, sizeof expected, "%d.%d.%d", SEALKIT_VERSION_MAJOR, SEALKIT_VERSION_MINOR,
             SEALKIT_VERSION_PATCH);
    CHECK(strcmp(sealkit_version(), expected) == 0);

    int *table = sealkit_map_private(4096);
    CHECK(table != NULL);
    for (int i = 0; i < 1024; ++i) table[i] = i * i;
    CHECK(sealkit_protect(table, 4096, PROT_READ) == 0);
    CHECK(sealkit_seal(table, 4096, 0) == 0);
    CHECK(sealkit_is_sealed(table, 4096) == 1);
    CHECK(mprotect(table, 4096, PROT_READ | PROT_WRITE) == -1 && errno == EPERM);
    CHECK(munmap(table, 4096) == -1 && errno == EPERM);
    CHECK(table[1000] == 1000 * 1000);
    puts("seal_table: ok");
    return 0;
}
