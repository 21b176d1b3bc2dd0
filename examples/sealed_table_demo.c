/*
 * sealed_table_demo: a program seals its own security-critical table, then
 * plays the attacker who can pass chosen arguments to memory-management
 * system calls, and shows every attempt refused by the kernel.
 *
 *   sealed_table_demo [PATH-TO-sealkit-CLI]
 *
 * With the CLI's path it also prints `sealkit status` of itself, so you can
 * see the sealed table among its mappings. Exit status: 0 when every attack
 * was refused and the table is intact, 1 when one succeeded, 2 when nothing
 * in this process can enforce a seal.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sealkit/sealkit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* What an attacker wants to rewrite: where the program jumps, and what it
 * believes about its own configuration. */
struct security_table {
    int (*check_password)(const char *attempt);
    int (*log_event)(const char *what);
    int require_tls;
    int max_login_attempts;
    char admin_group[32];
};

static int check_password(const char *attempt) { return strcmp(attempt, "open sesame") == 0; }
static int log_event(const char *what) { return printf("    log: %s\n", what) < 0 ? -1 : 0; }

static int attacks_failed_to_refuse = 0;

static void report(const char *attack, int result) {
    if (result == 0) {
        printf("  %-44s SUCCEEDED  <- not protected\n", attack);
        ++attacks_failed_to_refuse;
    } else {
        printf("  %-44s refused: %s\n", attack, strerror(errno));
    }
}

static void show_status(const char *cli) {
    char pid[32];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    printf("\n$ sealkit status %s\n", pid);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        execl(cli, cli, "status", pid, (char *)NULL);
        fprintf(stderr, "cannot run %s: %s\n", cli, strerror(errno));
        _exit(127);
    }
    int status = 0;
    if (child > 0) waitpid(child, &status, 0);
}

int main(int argc, char **argv) {
    const size_t size = (size_t)sysconf(_SC_PAGESIZE);
    printf("sealkit %s, backend: %s (%s)\n\n", sealkit_version(), sealkit_backend_name(), sealkit_backend_reason());

    /* 1. Build the table in fresh pages, make it read-only, seal it. */
    struct security_table *table = sealkit_map_private(size);
    if (table == NULL) {
        perror("sealkit_map_private");
        return 2;
    }
    table->check_password = check_password;
    table->log_event = log_event;
    table->require_tls = 1;
    table->max_login_attempts = 3;
    strcpy(table->admin_group, "wheel");
    if (sealkit_protect(table, size, PROT_READ) != 0 || sealkit_seal(table, size, 0) != 0) {
        printf("cannot seal the table: %s\n", strerror(errno));
        return errno == ENOSYS ? 2 : 1;
    }
    printf("security table at %p (%zu bytes): read-only and sealed: is_sealed=%d\n", (void *)table, size,
           sealkit_is_sealed(table, size));

    if (argc > 1) show_status(argv[1]);

    /* 2. The attacker's moves, each a memory-management call with chosen
     *    arguments. A seal must refuse every one. */
    printf("\nattacks on the sealed table:\n");
    report("mprotect(table, PROT_READ|PROT_WRITE)", mprotect(table, size, PROT_READ | PROT_WRITE));
    report("mprotect(table, PROT_READ) (no change)", mprotect(table, size, PROT_READ));
    report("munmap(table)", munmap(table, size));
    void *over = mmap(table, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    report("mmap(table, MAP_FIXED) to replace it", over == MAP_FAILED ? -1 : 0);
    void *moved = mremap(table, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, (char *)table + 16 * size);
    report("mremap(table) elsewhere", moved == MAP_FAILED ? -1 : 0);
    report("madvise(table, MADV_DONTNEED) to zero it", madvise(table, size, MADV_DONTNEED));

    /* 3. The table is what it was. */
    int intact = table->check_password == check_password && table->log_event == log_event &&
                 table->require_tls == 1 && table->max_login_attempts == 3 &&
                 strcmp(table->admin_group, "wheel") == 0;
    printf("\ntable intact: %s\n", intact ? "yes" : "NO");
    table->log_event(intact ? "handlers still point where the program put them" : "table was changed");
    if (!intact || attacks_failed_to_refuse > 0) return 1;
    printf("every attack was refused.\n");
    return 0;
}
