// The C API's sealing entry points: validation, then the active backend.
#include <errno.h>

#include "api/c_result.h"
#include "api/seal_arguments.h"
#include "backend/backend.h"
#include "procfs/seal_query.h"
#include "seccomp/seal_enforcer.h"
#include "sealkit/sealkit.h"
#include "system/syscalls.h"

using sealkit::active_backend;
using sealkit::page_range;

namespace {

long seal_one_run(uintptr_t start, size_t length, void *) { return active_backend().seal(start, length); }

}  // namespace

namespace {

// Every backend other than the kernel, and the first call of the process
// (which chooses the backend). Kept out of line so sealkit_seal itself
// needs no stack frame.
__attribute__((noinline)) int seal_on_chosen_backend(void *addr, size_t len, unsigned long flags) {
    const sealkit::backend &enforcer = active_backend();
    if (enforcer.kind == SEALKIT_BACKEND_KERNEL) return sealkit::sys::seal_range_setting_errno(addr, len, flags);
    page_range range;
    if (long invalid = sealkit::validate_seal_arguments(addr, len, flags, range)) return sealkit::fail_with(invalid);
    if (range.length == 0) return 0;
    long result = enforcer.seal(range.start, range.length);
    return sealkit::c_result(result);
}

}  // namespace

extern "C" int sealkit_seal(void *addr, size_t len, unsigned long flags) {
    // The kernel validates exactly as documented, so on the kernel backend
    // hand it everything: one load, then a tail call into the system call,
    // with the kernel's own errno.
    if (sealkit::chosen_kind_if_any() == SEALKIT_BACKEND_KERNEL)
        return sealkit::sys::seal_range_setting_errno(addr, len, flags);
    return seal_on_chosen_backend(addr, len, flags);
}

extern "C" int sealkit_mimmutable(void *addr, size_t len) {
    page_range range;
    if (long invalid = sealkit::round_to_pages(addr, len, range)) return sealkit::fail_with(invalid);
    if (range.length == 0) return 0;
    // The common case has no holes: one seal over the whole range.
    long result = active_backend().seal(range.start, range.length);
    if (result != -ENOMEM) return sealkit::c_result(result);
    // OpenBSD seals what is mapped and skips holes.
    result = sealkit::procfs::for_each_mapped_run(range.start, range.length, seal_one_run, nullptr);
    return sealkit::c_result(result);
}

extern "C" int sealkit_is_sealed(const void *addr, size_t len) {
    page_range range;
    if (long invalid = sealkit::validate_seal_arguments(addr, len, 0, range)) return sealkit::fail_with(invalid);
    if (range.length == 0) return 1;
    long result = active_backend().is_sealed(range.start, range.length);
    return result < 0 ? sealkit::fail_with(result) : static_cast<int>(result);
}

namespace {

// The policies only seccomp can express, on whatever backend is active.
int enforce_with_filters(void *addr, size_t len, unsigned long flags, unsigned what) {
    page_range range;
    if (long invalid = sealkit::validate_seal_arguments(addr, len, flags, range)) return sealkit::fail_with(invalid);
    if (range.length == 0) return 0;
    const char *why = nullptr;
    if (!sealkit::seccomp::filters_available(&why)) {
        if (long mapped = sealkit::sys::check_fully_mapped(range.start, range.length)) return sealkit::fail_with(mapped);
        return sealkit::fail_with(-ENOSYS);
    }
    const sealkit::seccomp::address_range r{range.start, range.start + range.length};
    return sealkit::c_result(sealkit::seccomp::enforce(&r, 1, what));
}

}  // namespace

extern "C" int sealkit_pin(void *addr, size_t len) {
    return enforce_with_filters(addr, len, 0, sealkit::seccomp::kRefuseUnmap);
}

extern "C" int sealkit_seal_strict(void *addr, size_t len, unsigned long flags) {
    // The seal itself first (all of mseal's checks and errno), then the
    // stricter discard rule on top.
    if (int sealed = sealkit_seal(addr, len, flags)) return sealed;
    return enforce_with_filters(addr, len, flags, sealkit::seccomp::kRefuseDiscard);
}
