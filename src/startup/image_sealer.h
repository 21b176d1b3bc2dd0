// Startup sealing's engine: decides, for each loaded object, what to seal
// and seals it through the active backend, filling a report.
#pragma once

#include <stddef.h>

#include "sealkit/sealkit.h"
#include "startup/loaded_image.h"

namespace sealkit::startup {

// Start-up sealing's strict mode (SEALKIT_RELRO=strict, `sealkit run
// --relro=strict`), a flag beside enum sealkit_image_flags: every range
// sealed is also strict as sealkit_seal_strict makes it (every discard
// madvise refused, file-backed text and rodata included), with one seccomp
// filter for all of them on either backend. Without it no filter is added
// on the kernel backend.
inline constexpr unsigned kSealStrict = 1u << 30;

// Implements sealkit_seal_images (see sealkit.h). Returns 0 or -errno of
// the first failure. The report's image array lives until the next call.
// timed = false leaves report.nanoseconds 0 and spares the clock's first
// use (the preload when no report is asked for).
long seal_loaded_images(unsigned flags, sealkit_report &report, bool timed = true);

// The per-object engine behind it, for any list of images (late sealing,
// src/preload/dlopen_policy.h, seals objects dlopen'ed after start-up with
// it): seals each list.items[i] with permanent[i] set as start-up sealing
// does (one seal call per contiguous run, RELRO moved to anonymous memory
// unless SEALKIT_RELRO_FILE, mutable and protected ranges left out, one
// batch and so one filter under the seccomp backend, one more filter for
// kSealStrict); the others are
// reported SEALKIT_SKIP_UNLOADABLE. permanent has 2 * list.count entries,
// the second half scratch. Fills entries[i] (zeroed by the caller), adds
// the counts to report, returns 0 or -errno of the first failure. timed:
// also each entry's nanoseconds (the clock costs page faults on its first
// use, so only when a report is wanted).
long seal_images(const image_list &list, bool *permanent, unsigned flags, sealkit_image_report *entries,
                 sealkit_report &report, bool timed = false);

// The entries of the last seal_loaded_images call and their count (null
// and 0 before any): what start-up sealing sealed, for late sealing.
const sealkit_image_report *last_image_reports(size_t &count);

}  // namespace sealkit::startup
