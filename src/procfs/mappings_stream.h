// Feeds the bytes of a /proc/PID/maps or smaps file, in chunks cut
// anywhere, to mappings_parser line by line.
//
// Whole lines inside a chunk are parsed where they lie; only a line cut by
// the chunk's end is copied, into a carry buffer, and completed from the
// next chunk. A line of 1 MiB or more, longer than any the kernel writes,
// is skipped and counted as malformed, whether chunks cut it or not. A chunk is searched once for a NUL byte, so
// the lines before the first NUL skip the parser's own check. Both readers
// use it: read_mappings (chunks from read()) and the CLI's read-ahead
// (chunks a helper thread read).
//
//   mappings_stream stream(visitor, context);
//   while ((got = read(fd, buffer, sizeof buffer)) > 0)
//       if (!stream.feed(buffer, got)) break;   // the visitor stopped
//   read_result result = stream.finish(0);
//
// libc-only (malloc for the carry buffer), for the core library.
#pragma once

#include <stddef.h>

#include "procfs/mappings_parser.h"
#include "procfs/read_result.h"

namespace sealkit::procfs {

class mappings_stream {
public:
    mappings_stream(mapping_visitor visitor, void *context);
    ~mappings_stream();
    mappings_stream(const mappings_stream &) = delete;
    mappings_stream &operator=(const mappings_stream &) = delete;

    // The next `length` bytes of the file. False once the visitor asked to
    // stop or the carry buffer could not grow (finish() says which).
    bool feed(const char *bytes, size_t length);

    // Ends the file: a last line without '\n' is parsed, the last mapping
    // handed over. `error` is the read error that ended the file early (0
    // for none), reported unless another came first.
    read_result finish(long error);

private:
    bool feed_line(const char *line, size_t length, bool without_nul);
    bool carry(const char *bytes, size_t length);

    mappings_parser parser_;
    char *carry_ = nullptr;  // the start of a line cut by a chunk's end
    size_t carried_ = 0;
    size_t carry_capacity_ = 0;
    bool skipping_line_ = false;  // inside an over-long line, dropping bytes
    bool stopped_ = false;
    long error_ = 0;
};

}  // namespace sealkit::procfs
