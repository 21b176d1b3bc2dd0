// The C API of protected memory (protected_memory.h).
#include <errno.h>
#include <sys/mman.h>

#include "api/c_result.h"
#include "protected/protected_registry.h"
#include "sealkit/protected_memory.h"
#include "system/syscalls.h"

namespace pm = sealkit::protected_memory;
namespace sys = sealkit::sys;

namespace {

// A protected range must be page aligned and non-empty; len rounds up.
bool page_range(const void *addr, size_t len, uintptr_t &start, size_t &length) {
    const uintptr_t mask = sys::page_size() - 1;
    start = reinterpret_cast<uintptr_t>(addr);
    if ((start & mask) != 0 || len == 0 || len > SIZE_MAX - mask) return false;
    length = (len + mask) & ~mask;
    return start + length > start;
}

}  // namespace

extern "C" int sealkit_protected_begin_write(void *addr, size_t len) {
    uintptr_t start;
    size_t length;
    if (!page_range(addr, len, start, length)) return sealkit::c_result(-EINVAL);
    return sealkit::c_result(pm::begin_write(start, length));
}

extern "C" int sealkit_protected_end_write(void *addr, size_t len) {
    uintptr_t start;
    size_t length;
    if (!page_range(addr, len, start, length)) return sealkit::c_result(-EINVAL);
    return sealkit::c_result(pm::end_write(start, length));
}

extern "C" int sealkit_protected_freeze(void *addr, size_t len) {
    uintptr_t start;
    size_t length;
    if (!page_range(addr, len, start, length)) return sealkit::c_result(-EINVAL);
    return sealkit::c_result(pm::freeze(start, length));
}

extern "C" int sealkit_protected_is_frozen(const void *addr, size_t len) {
    uintptr_t start;
    size_t length;
    if (!page_range(addr, len, start, length)) return 0;
    return pm::is_frozen(start, length) ? 1 : 0;
}

extern "C" void *sealkit_protected_allocate(size_t len) {
    if (len == 0) {
        errno = EINVAL;
        return nullptr;
    }
    uintptr_t block = sys::map_anonymous(len, PROT_READ);
    if (sys::is_error(block)) {
        errno = static_cast<int>(-sys::error_of(block));
        return nullptr;
    }
    const size_t length = (len + sys::page_size() - 1) & ~(sys::page_size() - 1);
    if (long result = pm::remember_allocation(block, length)) {
        sys::unmap(block, length);
        errno = static_cast<int>(-result);
        return nullptr;
    }
    return reinterpret_cast<void *>(block);
}

extern "C" int sealkit_freeze_protected_data(void) { return sealkit::c_result(pm::freeze_all()); }

extern "C" void sealkit_protected_lock_section(void *start, void *stop) {
    uintptr_t first = reinterpret_cast<uintptr_t>(start);
    uintptr_t last = reinterpret_cast<uintptr_t>(stop);
    const uintptr_t mask = sys::page_size() - 1;
    if (first == 0 || last <= first || (first & mask) != 0) return;
    pm::lock(first, ((last - first) + mask) & ~mask);
}
