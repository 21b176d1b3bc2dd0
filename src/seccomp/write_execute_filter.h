// A seccomp-BPF filter that denies write-execute memory, for kernels
// without PR_SET_MDWE (Linux < 6.3): the same refusals, with the same
// errno (EACCES), through every entry point into the kernel a 64-bit x86
// process has (the syscall instruction, the x32 bit, int 0x80).
//
// Refused: mmap/mmap2 asking for PROT_WRITE and PROT_EXEC together;
// mprotect and pkey_mprotect asking for PROT_EXEC at all (BPF cannot see a
// mapping's current protection, so this is stricter than MDWE, which lets
// an executable mapping stay executable; systemd's MemoryDenyWriteExecute
// makes the same choice); shmat with SHM_EXEC; and the i386 old_mmap,
// whose arguments sit in memory where BPF cannot look.
#pragma once

#include <linux/filter.h>
#include <stddef.h>

namespace sealkit::seccomp {

struct filter_program {
    sock_filter instructions[64];
    unsigned short length = 0;
};

// Builds the filter for this architecture; false where it has none.
bool build_write_execute_filter(filter_program &program);

}  // namespace sealkit::seccomp
