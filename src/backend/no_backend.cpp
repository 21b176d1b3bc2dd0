// The backend of last resort: nothing here can enforce a seal, and it says
// so (ENOSYS) instead of pretending. It still validates like the kernel, so
// a caller sees ENOMEM for a hole before ENOSYS, and it still reports seals
// that others made when the kernel has mseal.
#include <errno.h>

#include "backend/backend.h"
#include "procfs/seal_query.h"
#include "system/syscalls.h"

namespace sealkit {
namespace {

long refuse_seal(uintptr_t start, size_t length) {
    long mapped = sys::check_fully_mapped(start, length);
    return mapped != 0 ? mapped : -ENOSYS;
}

long seal_state_without_backend(uintptr_t start, size_t length) {
    // With mseal in the kernel, something else may have sealed the range
    // and smaps shows it; without it, no page can be sealed.
    if (sys::probe_seal_support() == 0) return procfs::kernel_seal_state(start, length);
    long mapped = sys::check_fully_mapped(start, length);
    return mapped != 0 ? mapped : 0;
}

long refuse_batch(const page_span *, size_t) { return -ENOSYS; }

}  // namespace

const backend &no_backend() {
    static const backend instance{SEALKIT_BACKEND_NONE, "none", refuse_seal, seal_state_without_backend,
                                    refuse_batch};
    return instance;
}

}  // namespace sealkit
