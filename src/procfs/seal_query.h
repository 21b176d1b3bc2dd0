// Questions about the calling process's own address space, answered from
// /proc/self/maps and /proc/self/smaps.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace sealkit::procfs {

// Whether every page of [start, start + length) carries the kernel's seal
// flag ("sl" in smaps VmFlags). 1 yes, 0 no, -ENOMEM when part of the range
// is unmapped, -ENOTSUP when smaps cannot be read or shows no VmFlags.
// start and length must be page aligned, length > 0.
long kernel_seal_state(uintptr_t start, size_t length);

// Calls visit(run_start, run_length, context) for each maximal run of
// mapped pages inside [start, start + length), in address order. Stops and
// returns visit's result when that is not 0. Returns 0, or the -errno of
// reading /proc/self/maps.
using run_visitor = long (*)(uintptr_t run_start, size_t run_length, void *context);
long for_each_mapped_run(uintptr_t start, size_t length, run_visitor visit, void *context);

}  // namespace sealkit::procfs
