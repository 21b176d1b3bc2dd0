#include "seccomp/mapping_syscalls.h"

namespace sealkit::seccomp {

// Sources are paths in the Linux tree (v6.18); an i386 number names the
// function a 64-bit kernel runs for int 0x80 (the COMPAT_ one where there is
// one). Where the x86_64 and i386 entry points differ (old_mmap, ipc), each
// has its own row. Every syscall of both ABIs is classified, with the reason
// it is here or not, in tests/data/syscalls/classification.txt.
const mapping_syscall kMappingSyscalls[] = {
    {"mmap", 9, -1, mapping_effect::map, "arch/x86/kernel/sys_x86_64.c SYSCALL_DEFINE6(mmap)"},
    {"mmap2", -1, 192, mapping_effect::map, "mm/mmap.c SYSCALL_DEFINE6(mmap_pgoff)"},
    {"old_mmap", -1, 90, mapping_effect::map_indirect, "arch/x86/kernel/sys_ia32.c COMPAT_SYSCALL_DEFINE1(ia32_mmap)"},
    {"uselib", -1, 86, mapping_effect::map_indirect,
     "fs/exec.c SYSCALL_DEFINE1(uselib) -> fs/binfmt_elf.c load_elf_library: vm_brk_flags unmaps the bss range the library file names"},
    {"mprotect", 10, 125, mapping_effect::reprotect, "mm/mprotect.c SYSCALL_DEFINE3(mprotect)"},
    {"pkey_mprotect", 329, 380, mapping_effect::reprotect, "mm/mprotect.c SYSCALL_DEFINE4(pkey_mprotect)"},
    {"munmap", 11, 91, mapping_effect::unmap, "mm/mmap.c SYSCALL_DEFINE2(munmap)"},
    {"mremap", 25, 163, mapping_effect::remap, "mm/mremap.c SYSCALL_DEFINE5(mremap)"},
    {"remap_file_pages", 216, 257, mapping_effect::remap_file_pages, "mm/mmap.c SYSCALL_DEFINE5(remap_file_pages)"},
    {"madvise", 28, 219, mapping_effect::advise, "mm/madvise.c SYSCALL_DEFINE3(madvise)"},
    {"process_madvise", 440, 440, mapping_effect::advise_process, "mm/madvise.c SYSCALL_DEFINE5(process_madvise)"},
    {"shmat", 30, 397, mapping_effect::shm_attach, "ipc/shm.c SYSCALL_DEFINE3(shmat), COMPAT_SYSCALL_DEFINE3(shmat)"},
    {"shmdt", 67, 398, mapping_effect::shm_detach, "ipc/shm.c SYSCALL_DEFINE1(shmdt)"},
    {"ipc", -1, 117, mapping_effect::ipc_multiplexer, "ipc/syscall.c COMPAT_SYSCALL_DEFINE6(ipc) -> do_shmat/ksys_shmdt"},
    {"brk", 12, 45, mapping_effect::heap_break, "mm/mmap.c SYSCALL_DEFINE1(brk)"},
    {"mseal", 462, 462, mapping_effect::seal, "mm/mseal.c SYSCALL_DEFINE3(mseal)"},
    {"io_uring_setup", 425, 425, mapping_effect::io_uring_setup, "io_uring/io_uring.c SYSCALL_DEFINE2(io_uring_setup)"},
};
const size_t kMappingSyscallCount = sizeof kMappingSyscalls / sizeof kMappingSyscalls[0];

}  // namespace sealkit::seccomp
