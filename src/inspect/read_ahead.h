// Reads a large /proc/PID/smaps on a helper thread while the calling
// thread parses it.
//
// The kernel renders smaps as it is read: for a process with 10,000
// mappings that is about 15 ms of system time in read(), and parsing the
// 7 MB it yields is another 4 to 5 ms. Read one after the other (as
// procfs::read_mappings does, and must: the core library runs inside any
// program and starts no thread), they add up; here the kernel renders the
// next 256 KiB while this thread parses the last, so `sealkit status` of a
// big process takes about the time `cat` takes to copy the file.
//
// Small files (one 256 KiB read, about 350 mappings: most processes) are
// read and parsed on the calling thread, no thread started. Results are
// those of procfs::read_mappings: the same mappings, in order, the same
// errors (a process that exits mid-read is a consistent prefix; a read
// error past where the visitor stopped is not reported), and a visitor
// that returns false stops the reading too. A visitor that throws stops
// the helper thread before the exception leaves; when no thread or memory
// for the chunks can be had, the rest is read on the calling thread.
//
//   procfs::read_result r = read_mappings_ahead(pid, procfs::mappings_file::smaps, visit, &state);
#pragma once

#include "procfs/mappings_reader.h"

namespace sealkit::inspect {

procfs::read_result read_mappings_ahead(int pid, procfs::mappings_file file, procfs::mapping_visitor visitor,
                                        void *context);

// The same over an already opened file descriptor (left open).
procfs::read_result read_mappings_ahead_from(int fd, procfs::mapping_visitor visitor, void *context);

}  // namespace sealkit::inspect
