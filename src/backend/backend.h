// The narrow interface every enforcement mechanism implements.
//
// Policy code (what to seal, when) calls through active_backend() and never
// knows whether the kernel or a seccomp filter enforces the seal. Callers
// have already validated the range the way mseal(2) does: start is page
// aligned, length is a non-zero multiple of the page size, and the range
// does not wrap. Results are 0 or -errno, with the kernel's errno values.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "seccomp/seal_filter_compiler.h"
#include "sealkit/sealkit.h"

namespace sealkit {

// One range of a batch, [start, end), page aligned: the seccomp
// compiler's own type, so a batch reaches it without a copy.
using page_span = seccomp::address_range;

struct backend {
    sealkit_backend_kind kind;
    const char *name;

    // Seals [start, start + length). -ENOMEM, and nothing sealed, when any
    // page is unmapped; -ENOSYS when this backend cannot enforce anything.
    long (*seal)(uintptr_t start, size_t length);

    // 1 when every page of [start, start + length) is sealed, 0 when one is
    // not, -ENOMEM when one is unmapped, -ENOTSUP when the state cannot be
    // known.
    long (*is_sealed)(uintptr_t start, size_t length);

    // Seals every range of a batch, each fully mapped (callers check): the
    // kernel makes one call per range, the seccomp backend one filter for
    // all. 0 or the first -errno.
    long (*seal_batch)(const page_span *ranges, size_t count);
};

// The backends that exist in this build.
const backend &kernel_backend();
const backend &seccomp_backend();
const backend &no_backend();

// Readies the process for the seccomp backend (its SIGSYS handler for mseal
// emulation); called once, when the backend is chosen.
void prepare_seccomp_backend();

// The backend chosen for this process (once, on first use) and why.
const backend &active_backend();
const char *active_backend_reason();

// The hot path's view of the choice: the chosen backend's kind once a
// choice has been made, -1 before. One relaxed load, no call: sealkit_seal
// on the kernel backend must cost what the raw system call costs.
extern int g_chosen_kind;
inline int chosen_kind_if_any() { return __atomic_load_n(&g_chosen_kind, __ATOMIC_ACQUIRE); }

}  // namespace sealkit
