/*
 * Captures the smaps/maps samples in this directory from a real process
 * (see README.md). It creates every kind of mapping the parser tests need,
 * seals exactly one of them with mseal(2), then writes
 *   DIR/captured.smaps   /proc/self/smaps
 *   DIR/captured.maps    /proc/self/maps
 *   DIR/captured.expect  what the program itself knows about each mapping
 *                        (from mmap's return value, fstat and getauxval),
 *                        independent of /proc, for the tests to compare.
 *
 *   gcc -O1 -o /tmp/capture tests/data/smaps/capture.c && /tmp/capture tests/data/smaps
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

#define WORKDIR "/tmp/sealkit-capture"
#define PAGE 4096

static char expect[65536];
static size_t expect_length;

static void die(const char *what) {
    fprintf(stderr, "capture: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void note(const char *format, ...) {
    va_list args;
    va_start(args, format);
    expect_length += (size_t)vsnprintf(expect + expect_length, sizeof expect - expect_length, format, args);
    va_end(args);
}

/* One line of captured.expect. path may be NULL (anonymous memory). */
static void note_mapping(const char *label, void *start, size_t length, const char *perms, unsigned long offset,
                         const struct stat *st, int sealed, unsigned rss_kib, unsigned anon_kib) {
    note("label=%s start=%lx end=%lx perms=%s offset=%lx dev=%x:%x inode=%lu sealed=%d size_kib=%zu rss_kib=%u "
         "anonymous_kib=%u\n",
         label, (unsigned long)start, (unsigned long)start + length, perms, offset,
         st ? major(st->st_dev) : 0, st ? minor(st->st_dev) : 0, st ? (unsigned long)st->st_ino : 0UL, sealed,
         length / 1024, rss_kib, anon_kib);
}

static int make_file(const char *path, size_t length, struct stat *st) {
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) die(path);
    if (ftruncate(fd, (off_t)length) != 0) die("ftruncate");
    if (fstat(fd, st) != 0) die("fstat");
    return fd;
}

static void touch(volatile char *p, size_t length, int write) {
    for (size_t i = 0; i < length; i += PAGE) {
        if (write) p[i] = 1;
        else (void)p[i];
    }
}

/* Kernels without CONFIG_ANON_VMA_NAME refuse with EINVAL; the expect
 * file records whether names were set. */
static int anon_names = 1;
static void name_anon(void *p, size_t length, const char *name) {
    if (prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)p, length, (unsigned long)name) != 0) {
        if (errno != EINVAL) die("prctl(PR_SET_VMA_ANON_NAME)");
        anon_names = 0;
    }
}

/* mmap with an unmapped page on each side, so that the kernel cannot merge
 * the mapping with a neighbour (which would change start and end). */
static void *place(size_t length, int prot, int flags, int fd, off_t offset) {
    char *reserve = mmap(NULL, length + 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (reserve == MAP_FAILED) die("mmap reserve");
    munmap(reserve, PAGE);
    munmap(reserve + PAGE + length, PAGE);
    void *p = mmap(reserve + PAGE, length, prot, flags | MAP_FIXED, fd, offset);
    if (p == MAP_FAILED) die("mmap");
    return p;
}

static void copy_file(const char *from, const char *dir, const char *name) {
    static char buffer[4 << 20];
    size_t filled = 0;
    int in = open(from, O_RDONLY);
    if (in < 0) die(from);
    ssize_t got;
    while ((got = read(in, buffer + filled, sizeof buffer - filled)) > 0) filled += (size_t)got;
    if (got < 0) die("read");
    close(in);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0 || write(out, buffer, filled) != (ssize_t)filled) die(path);
    close(out);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: capture OUTPUT_DIR\n");
        return 2;
    }
    char *heap = malloc(100);  /* makes sure there is a [heap] */
    heap[0] = 1;
    mkdir(WORKDIR, 0755);
    struct stat st;

    /* A shared file mapping of a path with spaces, at file offset 0x2000. */
    int fd = make_file(WORKDIR "/my lib.so", 4 * PAGE, &st);
    char *spaces = place(2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 2 * PAGE);
    if (spaces == MAP_FAILED) die("mmap spaces");
    touch(spaces, 2 * PAGE, 1);
    note_mapping("spaces", spaces, 2 * PAGE, "rw-s", 2 * PAGE, &st, 0, 8, 0);
    close(fd);

    /* A private file mapping with one page written (copy on write: 4 KiB
     * anonymous) and one read; a file name with a newline (\012). */
    fd = make_file(WORKDIR "/new\nline.so", 2 * PAGE, &st);
    char *newline = place(2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (newline == MAP_FAILED) die("mmap newline");
    touch(newline, PAGE, 1);
    touch(newline + PAGE, PAGE, 0);
    note_mapping("newline", newline, 2 * PAGE, "rw-p", 0, &st, 0, 8, 4);
    close(fd);

    /* A read-only mapping of a file that is then unlinked: " (deleted)". */
    fd = make_file(WORKDIR "/gone.so", PAGE, &st);
    char *gone = place(PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
    if (gone == MAP_FAILED) die("mmap gone");
    touch(gone, PAGE, 0);
    note_mapping("deleted", gone, PAGE, "r--p", 0, &st, 0, 4, 0);
    close(fd);
    unlink(WORKDIR "/gone.so");

    /* A path close to PATH_MAX: nested directories of 250 characters. */
    char long_path[PATH_MAX];
    size_t at = (size_t)snprintf(long_path, sizeof long_path, "%s", WORKDIR "/long");
    mkdir(long_path, 0755);
    while (at + 251 + 40 < PATH_MAX) {
        long_path[at++] = '/';
        memset(long_path + at, 'd', 250);
        at += 250;
        long_path[at] = '\0';
        if (mkdir(long_path, 0755) != 0 && errno != EEXIST) die("mkdir long");
    }
    at += (size_t)snprintf(long_path + at, sizeof long_path - at, "/%s", "f.so");
    fd = make_file(long_path, PAGE, &st);
    char *longp = place(PAGE, PROT_READ, MAP_SHARED, fd, 0);
    if (longp == MAP_FAILED) die("mmap long");
    note_mapping("long_path", longp, PAGE, "r--s", 0, &st, 0, 0, 0);
    note("long_path_length=%zu\n", at);
    close(fd);

    /* Named anonymous memory: [anon:...] and [anon_shmem:...]. */
    char *named = place(3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (named == MAP_FAILED) die("mmap named");
    name_anon(named, 3 * PAGE, "sealkit test");
    touch(named, 3 * PAGE, 1);
    note_mapping("anon_name", named, 3 * PAGE, "rw-p", 0, NULL, 0, 12, 12);

    char *shmem = place(2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shmem == MAP_FAILED) die("mmap shmem");
    name_anon(shmem, 2 * PAGE, "sealkit-shm");
    touch(shmem, 2 * PAGE, 1);
    /* Shared anonymous memory is a deleted /dev/zero (shmem) file: offset 0,
     * its own inode and the shmem device, which only /proc knows. */
    note("label=anon_shmem start=%lx end=%lx perms=rw-s\n", (unsigned long)shmem, (unsigned long)shmem + 2 * PAGE);

    /* An executable anonymous page and an inaccessible guard. */
    char *rwx = place(PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (rwx == MAP_FAILED) die("mmap rwx");
    name_anon(rwx, PAGE, "sealkit-rwx");
    note_mapping("rwx", rwx, PAGE, "rwxp", 0, NULL, 0, 0, 0);
    char *none = place(4 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (none == MAP_FAILED) die("mmap none");
    name_anon(none, 4 * PAGE, "sealkit-guard");
    note_mapping("guard", none, 4 * PAGE, "---p", 0, NULL, 0, 0, 0);

    /* The one sealed mapping: read-only anonymous, sealed with mseal(2). */
    char *sealed = place(2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (sealed == MAP_FAILED) die("mmap sealed");
    touch(sealed, 2 * PAGE, 1);
    if (mprotect(sealed, 2 * PAGE, PROT_READ) != 0) die("mprotect sealed");
    name_anon(sealed, 2 * PAGE, "sealkit-sealed");
    if (syscall(462, sealed, 2 * PAGE, 0) != 0) die("mseal");
    note_mapping("sealed", sealed, 2 * PAGE, "r--p", 0, NULL, 1, 8, 8);

    note("anon_names=%d\n", anon_names);
    note("vdso=%lx\n", getauxval(AT_SYSINFO_EHDR));
    note("stack_variable=%lx\n", (unsigned long)&st);
    note("heap_pointer=%lx\n", (unsigned long)heap);

    copy_file("/proc/self/smaps", argv[1], "captured.smaps");
    copy_file("/proc/self/maps", argv[1], "captured.maps");
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/captured.expect", argv[1]);
    FILE *out = fopen(path, "w");
    if (!out || fwrite(expect, 1, expect_length, out) != expect_length || fclose(out) != 0) die(path);

    unlink(WORKDIR "/my lib.so");
    unlink(WORKDIR "/new\nline.so");
    unlink(long_path);
    return 0;
}
