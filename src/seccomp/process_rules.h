// The rules that hold for a whole process once the seccomp backend has
// installed its first filter, besides the range checks:
//
// - mseal(2) emulation: an unmodified program that calls mseal itself
//   (glibc's wrapper, syscall(2), its own syscall instruction, int 0x80)
//   gets SIGSYS from the filter instead of ENOSYS; sealkit's handler
//   validates the arguments as the kernel does, seals through the backend
//   and puts the kernel's result in the return register. Other SIGSYS
//   (another filter's SECCOMP_RET_TRAP) go to the handler that was there
//   before. On by default with the seccomp backend; SEALKIT_EMULATE_MSEAL=0
//   (or no, false, off: system/switch_variable.h; any other value keeps it
//   on) turns it off (mseal then reaches the kernel: ENOSYS before 6.10).
//   Caution, documented in docs/seccomp-backend.md: a program exec'd from
//   this one inherits the filter but not the handler, so if it calls mseal
//   without loading sealkit itself, SIGSYS ends it.
// - brk below sealed heap pages, where no exec guard answers it (a fork
//   child's seal): the same handler returns the current break, as the
//   kernel does when it refuses to unmap sealed heap pages.
// - SEALKIT_DENY_IO_URING=1 (yes, true, on; a value sealkit does not
//   understand denies too): io_uring_setup is refused (EPERM), because
//   io_uring runs madvise without passing through seccomp.
//
//   seccomp::enable_seal_emulation(emulate);  // before the first filter
#pragma once

#include <stdint.h>

namespace sealkit::seccomp {

// Seals as mseal(addr, len, flags) would: 0 or -errno.
using seal_emulator = long (*)(uint64_t addr, uint64_t len, uint64_t flags);

// Installs the SIGSYS handler and remembers the emulator, unless
// SEALKIT_EMULATE_MSEAL is off (0, no, false, off). Idempotent.
void enable_seal_emulation(seal_emulator emulator);

bool seal_emulation_enabled();
bool io_uring_denied();

}  // namespace sealkit::seccomp
