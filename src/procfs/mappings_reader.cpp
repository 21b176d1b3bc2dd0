#include "procfs/mappings_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "procfs/mappings_stream.h"

namespace sealkit::procfs {
namespace {

constexpr size_t kChunk = 64 * 1024;

}  // namespace

size_t read_mappings_chunk(int fd, char *buffer, size_t capacity, bool &ended, long &error) {
    size_t filled = 0;
    while (filled < capacity) {
        const ssize_t got = read(fd, buffer + filled, capacity - filled);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            // ESRCH or EIO: the process exited or exec'd under us. What we
            // have is a consistent prefix; keep it.
            if (got < 0 && errno != ESRCH && errno != EIO) error = -errno;
            ended = true;
            break;
        }
        filled += static_cast<size_t>(got);
    }
    return filled;
}

int open_mappings(int pid, mappings_file file) {
    char path[64];
    const char *name = file == mappings_file::smaps ? "smaps" : "maps";
    if (pid == 0) snprintf(path, sizeof path, "/proc/self/%s", name);
    else snprintf(path, sizeof path, "/proc/%d/%s", pid, name);
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

read_result read_mappings_from(int fd, mapping_visitor visitor, void *context) {
    char *buffer = static_cast<char *>(malloc(kChunk));
    if (buffer == nullptr) {
        read_result result;
        result.error = -ENOMEM;
        return result;
    }
    mappings_stream stream(visitor, context);
    bool ended = false;
    long error = 0;
    for (bool more = true; more && !ended;)
        more = stream.feed(buffer, read_mappings_chunk(fd, buffer, kChunk, ended, error));
    free(buffer);
    return stream.finish(error);
}

read_result read_mappings(int pid, mappings_file file, mapping_visitor visitor, void *context) {
    const int fd = open_mappings(pid, file);
    if (fd < 0) {
        read_result result;
        result.error = fd;
        return result;
    }
    read_result result = read_mappings_from(fd, visitor, context);
    close(fd);
    return result;
}

}  // namespace sealkit::procfs
