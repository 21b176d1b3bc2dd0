// mseal(2)'s argument checks, in the kernel's order, for every path that
// does not hand the arguments to the kernel itself.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace sealkit {

struct page_range {
    uintptr_t start = 0;
    size_t length = 0;  // whole pages; 0 means "nothing to do"
};

// flags != 0, an unaligned start, a length that rounds to 0 or a range that
// wraps: -EINVAL. Otherwise 0 and the page-rounded range (length 0 when
// len was 0).
long validate_seal_arguments(const void *addr, size_t len, unsigned long flags, page_range &range);

// OpenBSD's rules: start rounded down, length up, -EINVAL only on wrap.
long round_to_pages(const void *addr, size_t len, page_range &range);

}  // namespace sealkit
