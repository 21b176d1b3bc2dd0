// How the C API reports: the layers below return 0 or -errno; a C function
// returns 0, or -1 with errno set, as the kernel's own calls do.
#pragma once

#include <errno.h>

namespace sealkit {

// -1 with errno = -negative_errno.
inline int fail_with(long negative_errno) {
    errno = static_cast<int>(-negative_errno);
    return -1;
}

// 0 for 0, else fail_with(result).
inline int c_result(long result) { return result == 0 ? 0 : fail_with(result); }

}  // namespace sealkit
