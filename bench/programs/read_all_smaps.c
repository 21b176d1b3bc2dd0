/*
 * The baseline of the `sealkit status --all` benchmark: reads every
 * /proc/PID/smaps this user may read, the way a minimal scanner would (the
 * PIDs of /proc in the order readdir gives them, the calling process
 * excluded as sealkit excludes itself, each file read to its end in 64 KiB
 * reads), and throws the text away. Processes that vanish or may not be read
 * are skipped, as sealkit skips them. Prints the number of files read and
 * bytes on stdout, for the script to show.
 *
 *   read_all_smaps
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void) {
    static char buffer[64 * 1024];
    DIR *proc = opendir("/proc");
    if (proc == NULL) {
        perror("read_all_smaps: /proc");
        return 1;
    }
    long self = (long)getpid();
    long files = 0;
    long long bytes = 0;
    struct dirent *entry;
    while ((entry = readdir(proc)) != NULL) {
        char *end;
        long pid = strtol(entry->d_name, &end, 10);
        if (*end != '\0' || pid <= 0 || pid == self) continue;
        char path[64];
        snprintf(path, sizeof path, "/proc/%ld/smaps", pid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        ssize_t got;
        while ((got = read(fd, buffer, sizeof buffer)) > 0) bytes += got;
        close(fd);
        ++files;
    }
    closedir(proc);
    printf("%ld files, %lld bytes\n", files, bytes);
    return 0;
}
