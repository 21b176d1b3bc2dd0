#include "seccomp/write_execute_filter.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/mman.h>

namespace sealkit::seccomp {
namespace {

constexpr unsigned kDeny = SECCOMP_RET_ERRNO | (EACCES & SECCOMP_RET_DATA);
constexpr unsigned kAllow = SECCOMP_RET_ALLOW;
constexpr unsigned kShmExec = 0100000;  // SHM_EXEC
// Low 32 bits of argument i (little-endian).
constexpr unsigned argument_low(int i) { return offsetof(seccomp_data, args) + 8 * i; }

struct emitter {
    filter_program &program;
    bool overflow = false;

    void emit(sock_filter instruction) {
        if (program.length == sizeof program.instructions / sizeof program.instructions[0]) {
            overflow = true;
            return;
        }
        program.instructions[program.length++] = instruction;
    }
    void load(unsigned offset) { emit(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offset)); }
    void ret(unsigned value) { emit(BPF_STMT(BPF_RET | BPF_K, value)); }

    // With the syscall number in A: for syscall nr, refuse when
    // (argument & mask) == mask; otherwise fall through with A intact.
    void refuse_when_all_bits(unsigned nr, int argument, unsigned mask) {
        emit(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 5));
        load(argument_low(argument));
        emit(BPF_STMT(BPF_ALU | BPF_AND | BPF_K, mask));
        emit(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, mask, 0, 1));
        ret(kDeny);
        ret(kAllow);
    }
    // For syscall nr, refuse when any bit of mask is set in the argument.
    void refuse_when_any_bit(unsigned nr, int argument, unsigned mask) {
        emit(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 4));
        load(argument_low(argument));
        emit(BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, mask, 0, 1));
        ret(kDeny);
        ret(kAllow);
    }
    void refuse(unsigned nr) {
        emit(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1));
        ret(kDeny);
    }
};

}  // namespace

bool build_write_execute_filter(filter_program &program) {
#if defined(__x86_64__)
    program.length = 0;
    emitter out{program};
    out.load(offsetof(seccomp_data, arch));
    const unsigned short not_x86_64_at = program.length;
    out.emit(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 0));  // jf patched below
    out.load(offsetof(seccomp_data, nr));
    // x32 calls are nr | 0x40000000 with the same numbers for these calls.
    out.emit(BPF_STMT(BPF_ALU | BPF_AND | BPF_K, ~0x40000000u));
    out.refuse_when_all_bits(9, 2, PROT_WRITE | PROT_EXEC);  // mmap
    out.refuse_when_any_bit(10, 2, PROT_EXEC);               // mprotect
    out.refuse_when_any_bit(329, 2, PROT_EXEC);              // pkey_mprotect
    out.refuse_when_any_bit(30, 2, kShmExec);                // shmat
    out.ret(kAllow);
    // int 0x80: the i386 table.
    program.instructions[not_x86_64_at].jf =
        static_cast<unsigned char>(program.length - not_x86_64_at - 1);
    out.emit(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 1, 0));
    out.ret(kAllow);
    out.load(offsetof(seccomp_data, nr));
    out.refuse(90);                                            // old_mmap: arguments in memory
    out.refuse_when_all_bits(192, 2, PROT_WRITE | PROT_EXEC);  // mmap2
    out.refuse_when_any_bit(125, 2, PROT_EXEC);                // mprotect
    out.refuse_when_any_bit(380, 2, PROT_EXEC);                // pkey_mprotect
    out.refuse_when_any_bit(397, 2, kShmExec);                 // shmat
    // ipc(SHMAT = 21, shmid, shmflg, ...): shmflg is the third argument.
    // The kernel takes the call from the low 16 bits (the high ones are a
    // version), so mask them before comparing.
    out.emit(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 117, 0, 7));
    out.load(argument_low(0));
    out.emit(BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xffff));
    out.emit(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 21, 0, 3));
    out.load(argument_low(2));
    out.emit(BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, kShmExec, 0, 1));
    out.ret(kDeny);
    out.ret(kAllow);
    out.ret(kAllow);  // any other i386 call (the ipc block's "not ipc" lands here)
    return !out.overflow;
#else
    (void)program;
    return false;
#endif
}

}  // namespace sealkit::seccomp
