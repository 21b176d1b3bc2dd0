// Seals with seccomp filters, for kernels without mseal(2) (and, when
// forced with SEALKIT_BACKEND=seccomp, on any kernel): see
// src/seccomp/seal_enforcer.h for the mechanism and docs/seccomp-backend.md
// for what it does and does not cover.
#include <errno.h>

#include "api/seal_arguments.h"
#include "backend/backend.h"
#include "procfs/seal_query.h"
#include "seccomp/process_rules.h"
#include "seccomp/seal_enforcer.h"
#include "system/syscalls.h"

namespace sealkit {
namespace {

long seccomp_seal(uintptr_t start, size_t length) {
    const seccomp::address_range range{start, start + length};
    return seccomp::enforce(&range, 1, seccomp::kSealEnforcement);
}

long seccomp_seal_batch(const page_span *ranges, size_t count) {
    return seccomp::enforce(ranges, count, seccomp::kSealEnforcement);
}

long seccomp_seal_state(uintptr_t start, size_t length) {
    if (long mapped = sys::check_fully_mapped(start, length)) return mapped;
    if (seccomp::is_enforced(start, start + length, seccomp::kRefuseReprotect | seccomp::kRefuseUnmap)) return 1;
    // Seals the kernel made (a vDSO on kernels that seal it, a range sealed
    // before the backend was forced) count too.
    if (sys::probe_seal_support() == 0) return procfs::kernel_seal_state(start, length);
    return 0;
}

// What a program's own mseal call gets under emulation.
long emulated_mseal(uint64_t addr, uint64_t len, uint64_t flags) {
    page_range range;
    if (long invalid = validate_seal_arguments(reinterpret_cast<const void *>(addr), len, flags, range)) return invalid;
    if (range.length == 0) return 0;
    return seccomp_seal(range.start, range.length);
}

}  // namespace

const backend &seccomp_backend() {
    static const backend instance{SEALKIT_BACKEND_SECCOMP, "seccomp", seccomp_seal, seccomp_seal_state,
                                    seccomp_seal_batch};
    return instance;
}

void prepare_seccomp_backend() { seccomp::enable_seal_emulation(emulated_mseal); }

}  // namespace sealkit
