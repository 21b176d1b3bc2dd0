#include "api/seal_arguments.h"

#include <errno.h>

#include "system/syscalls.h"

namespace sealkit {

long validate_seal_arguments(const void *addr, size_t len, unsigned long flags, page_range &range) {
    const uintptr_t page_mask = sys::page_size() - 1;
    const uintptr_t start = reinterpret_cast<uintptr_t>(addr);
    if (flags != 0) return -EINVAL;
    if ((start & page_mask) != 0) return -EINVAL;
    const size_t rounded = (len + page_mask) & ~page_mask;
    if (len != 0 && rounded == 0) return -EINVAL;  // len within a page of SIZE_MAX
    if (start + rounded < start) return -EINVAL;
    range.start = start;
    range.length = rounded;
    return 0;
}

long round_to_pages(const void *addr, size_t len, page_range &range) {
    const uintptr_t page_mask = sys::page_size() - 1;
    const uintptr_t raw = reinterpret_cast<uintptr_t>(addr);
    const uintptr_t start = raw & ~page_mask;
    const size_t offset = raw - start;
    if (len > SIZE_MAX - offset) return -EINVAL;
    const size_t widened = len + offset;
    const size_t rounded = (widened + page_mask) & ~page_mask;
    if (widened != 0 && rounded == 0) return -EINVAL;
    if (start + rounded < start) return -EINVAL;
    range.start = start;
    range.length = len == 0 ? 0 : rounded;
    return 0;
}

}  // namespace sealkit
