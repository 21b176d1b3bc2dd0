// Book-keeping for protected memory: which ranges have open writer scopes
// and which are frozen. Every protection change of protected memory goes
// through here under one lock, so a writer and a freeze never race.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace sealkit::protected_memory {

// All take page-aligned, non-empty ranges; results are 0 or -errno.
long begin_write(uintptr_t start, size_t length);  // -EPERM when frozen
long end_write(uintptr_t start, size_t length);    // -EINVAL without a writer
long freeze(uintptr_t start, size_t length);       // -EBUSY with a writer open
bool is_frozen(uintptr_t start, size_t length);
// Read-only at object initialisation (not when frozen or being written).
void lock(uintptr_t start, size_t length);
// Remembers a run-time block so freeze_all() finds it.
long remember_allocation(uintptr_t start, size_t length);
// Freezes every remembered allocation and every loaded object's section.
long freeze_all();

}  // namespace sealkit::protected_memory
