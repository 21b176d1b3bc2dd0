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

read_result read_mappings_from(int fd, mapping_visitor visitor, void *context) {
    char *buffer = static_cast<char *>(malloc(kChunk));
    if (buffer == nullptr) {
        read_result result;
        result.error = -ENOMEM;
        return result;
    }
    mappings_stream stream(visitor, context);
    long error = 0;
    for (;;) {
        const ssize_t got = read(fd, buffer, kChunk);
        if (got < 0) {
            if (errno == EINTR) continue;
            // ESRCH or EIO: the process exited or exec'd under us. What we
            // have is a consistent prefix; keep it.
            if (errno != ESRCH && errno != EIO) error = -errno;
            break;
        }
        if (got == 0 || !stream.feed(buffer, static_cast<size_t>(got))) break;
    }
    free(buffer);
    return stream.finish(error);
}

read_result read_mappings(int pid, mappings_file file, mapping_visitor visitor, void *context) {
    char path[64];
    const char *name = file == mappings_file::smaps ? "smaps" : "maps";
    if (pid == 0) snprintf(path, sizeof path, "/proc/self/%s", name);
    else snprintf(path, sizeof path, "/proc/%d/%s", pid, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        read_result result;
        result.error = -errno;
        return result;
    }
    read_result result = read_mappings_from(fd, visitor, context);
    close(fd);
    return result;
}

}  // namespace sealkit::procfs
