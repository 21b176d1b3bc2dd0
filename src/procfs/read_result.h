// What reading a maps or smaps file gave: the readers' common answer
// (mappings_reader.h, mappings_stream.h).
#pragma once

#include <stddef.h>

namespace sealkit::procfs {

struct read_result {
    // 0, or the -errno that stopped the read: -ENOENT when the process (or
    // /proc) does not exist, -EACCES/-EPERM when it may not be read,
    // -ENOMEM when the reader could not get memory.
    long error = 0;
    size_t mappings = 0;
    size_t malformed_lines = 0;
    bool stopped_by_visitor = false;
};

}  // namespace sealkit::procfs
