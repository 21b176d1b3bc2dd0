// Streams /proc/PID/maps or /proc/PID/smaps through mappings_parser.
//
// Reads in 64 KiB chunks (the kernel renders smaps as it is read, so the
// reader's own cost must stay small beside it), which mappings_stream cuts
// into lines, and treats a process that exits mid-read as the end of the
// file: the mappings read so far are kept.
#pragma once

#include "procfs/mappings_parser.h"
#include "procfs/read_result.h"

namespace sealkit::procfs {

enum class mappings_file { maps, smaps };

// pid 0 reads the calling process (/proc/self).
read_result read_mappings(int pid, mappings_file file, mapping_visitor visitor, void *context);

// The same over an already opened file descriptor (left open).
read_result read_mappings_from(int fd, mapping_visitor visitor, void *context);

// The pieces both readers share (this one and the CLI's read-ahead):
// opens /proc/PID/maps or smaps (pid 0: /proc/self), returning the file
// descriptor or -errno;
int open_mappings(int pid, mappings_file file);
// and reads into `buffer` until it is full or the file ends, returning the
// bytes read. `ended` is set when the file ended (a process that exited or
// exec'd under the reader, ESRCH or EIO, ends it too), `error` to -errno
// for any other failure, which ends it as well. EINTR is retried.
size_t read_mappings_chunk(int fd, char *buffer, size_t capacity, bool &ended, long &error);

}  // namespace sealkit::procfs
