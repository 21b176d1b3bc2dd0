#include "procfs/mappings_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

namespace sealkit::procfs {
namespace {

constexpr size_t kInitialBuffer = 64 * 1024;
// A maps line is at most a few PATH_MAX long even with every byte escaped;
// anything larger is not from the kernel and is skipped as malformed.
constexpr size_t kLongestLine = 1024 * 1024;

}  // namespace

read_result read_mappings_from(int fd, mapping_visitor visitor, void *context) {
    read_result result;
    mappings_parser parser(visitor, context);
    size_t capacity = kInitialBuffer;
    char *buffer = static_cast<char *>(malloc(capacity));
    if (buffer == nullptr) {
        result.error = -ENOMEM;
        return result;
    }
    size_t filled = 0;          // bytes in buffer
    bool skipping_line = false; // inside an over-long line, dropping bytes
    bool more = true;
    while (more) {
        if (filled == capacity) {
            if (capacity >= kLongestLine) {
                // Drop the over-long line's bytes so far and skip to its end.
                skipping_line = true;
                filled = 0;
            } else {
                char *grown = static_cast<char *>(realloc(buffer, capacity * 2));
                if (grown == nullptr) {
                    result.error = -ENOMEM;
                    break;
                }
                buffer = grown;
                capacity *= 2;
            }
        }
        ssize_t got = read(fd, buffer + filled, capacity - filled);
        if (got < 0) {
            if (errno == EINTR) continue;
            // ESRCH or EIO: the process exited or exec'd under us. What we
            // have is a consistent prefix; keep it.
            if (errno != ESRCH && errno != EIO) result.error = -errno;
            got = 0;
        }
        if (got == 0) {
            more = false;
            if (skipping_line) {
                parser.feed_line("?", 1);  // an over-long last line: counted as malformed
            } else if (filled > 0) {
                if (!parser.feed_line(buffer, filled)) result.stopped_by_visitor = true;
            }
            filled = 0;
            break;
        }
        filled += static_cast<size_t>(got);
        // One look for a NUL in the buffer rather than one per line: the
        // lines before the first NUL skip the parser's own check.
        const char *nul = static_cast<const char *>(memchr(buffer, '\0', filled));
        const size_t clean_until = nul == nullptr ? filled : static_cast<size_t>(nul - buffer);
        size_t consumed = 0;
        while (consumed < filled) {
            char *line = buffer + consumed;
            char *newline = static_cast<char *>(memchr(line, '\n', filled - consumed));
            if (newline == nullptr) break;
            size_t length = static_cast<size_t>(newline - line);
            if (skipping_line) {
                skipping_line = false;
                parser.feed_line("?", 1);  // counted as malformed
            } else if (!(consumed + length <= clean_until ? parser.feed_line_without_nul(line, length)
                                                           : parser.feed_line(line, length))) {
                result.stopped_by_visitor = true;
                more = false;
                break;
            }
            consumed += length + 1;
        }
        if (consumed > 0 && consumed < filled) memmove(buffer, buffer + consumed, filled - consumed);
        filled -= consumed;
    }
    if (!result.stopped_by_visitor && !parser.finish()) result.stopped_by_visitor = true;
    free(buffer);
    result.mappings = parser.mappings_seen();
    result.malformed_lines = parser.malformed_lines();
    if (result.error == 0 && parser.storage_error() != 0) result.error = parser.storage_error();
    return result;
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
