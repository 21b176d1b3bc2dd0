// The C API's anonymous memory for data that will be sealed.
#include <errno.h>
#include <sys/mman.h>

#include "api/c_result.h"
#include "sealkit/sealkit.h"
#include "system/syscalls.h"

namespace sys = sealkit::sys;


extern "C" void *sealkit_map_private(size_t len) {
    if (len == 0) {
        errno = EINVAL;
        return nullptr;
    }
    uintptr_t result = sys::map_anonymous(len, PROT_READ | PROT_WRITE);
    if (sys::is_error(result)) {
        errno = static_cast<int>(-sys::error_of(result));
        return nullptr;
    }
    return reinterpret_cast<void *>(result);
}

extern "C" int sealkit_protect(void *addr, size_t len, int prot) {
    long result = sys::protect(reinterpret_cast<uintptr_t>(addr), len, prot);
    return sealkit::c_result(result);
}

extern "C" int sealkit_unmap(void *addr, size_t len) {
    long result = sys::unmap(reinterpret_cast<uintptr_t>(addr), len);
    return sealkit::c_result(result);
}
