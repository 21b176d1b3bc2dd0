// Seals with Linux's own mseal(2), 6.10 and newer.
#include "backend/backend.h"
#include "procfs/seal_query.h"
#include "system/syscalls.h"

namespace sealkit {
namespace {

long kernel_seal(uintptr_t start, size_t length) { return sys::seal_range(start, length, 0); }

long kernel_seal_batch(const page_span *ranges, size_t count) {
    for (size_t i = 0; i < count; ++i)
        if (long result = sys::seal_range(ranges[i].start, ranges[i].end - ranges[i].start, 0)) return result;
    return 0;
}

}  // namespace

const backend &kernel_backend() {
    static const backend instance{SEALKIT_BACKEND_KERNEL, "kernel", kernel_seal, procfs::kernel_seal_state,
                                    kernel_seal_batch};
    return instance;
}

}  // namespace sealkit
