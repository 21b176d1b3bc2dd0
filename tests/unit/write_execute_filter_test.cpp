// The write-execute seccomp filter, checked without a kernel: every jump
// lands inside the program, and a small classic-BPF evaluator gives the
// expected verdict for each entry point, including the i386 (int 0x80) and
// x32 ones this machine cannot exercise for real.
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sys/mman.h>

#include <cstddef>
#include <cstring>

#include "seccomp/write_execute_filter.h"

namespace {

using sealkit::seccomp::build_write_execute_filter;
using sealkit::seccomp::filter_program;

constexpr unsigned kDeny = SECCOMP_RET_ERRNO | EACCES;

// Runs the subset of classic BPF the filter uses.
unsigned evaluate(const filter_program &program, const seccomp_data &data) {
    unsigned a = 0;
    for (unsigned pc = 0; pc < program.length;) {
        const sock_filter &i = program.instructions[pc];
        switch (i.code) {
        case BPF_LD | BPF_W | BPF_ABS: {
            uint32_t word;
            memcpy(&word, reinterpret_cast<const char *>(&data) + i.k, 4);
            a = word;
            ++pc;
            break;
        }
        case BPF_ALU | BPF_AND | BPF_K: a &= i.k; ++pc; break;
        case BPF_JMP | BPF_JEQ | BPF_K: pc += 1 + (a == i.k ? i.jt : i.jf); break;
        case BPF_JMP | BPF_JSET | BPF_K: pc += 1 + ((a & i.k) ? i.jt : i.jf); break;
        case BPF_RET | BPF_K: return i.k;
        default: ADD_FAILURE() << "unexpected opcode " << i.code; return 0;
        }
    }
    ADD_FAILURE() << "ran off the end of the program";
    return 0;
}

seccomp_data call(unsigned arch, int nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0) {
    seccomp_data d{};
    d.arch = arch;
    d.nr = nr;
    d.args[0] = a0;
    d.args[1] = a1;
    d.args[2] = a2;
    return d;
}

filter_program built() {
    filter_program program;
    EXPECT_TRUE(build_write_execute_filter(program));
    return program;
}

TEST(WriteExecuteFilter, EveryJumpLandsInsideTheProgramAndItEndsWithAReturn) {
    filter_program p = built();
    ASSERT_GT(p.length, 0);
    for (unsigned pc = 0; pc < p.length; ++pc) {
        const sock_filter &i = p.instructions[pc];
        if (BPF_CLASS(i.code) == BPF_JMP) {
            EXPECT_LT(pc + 1 + i.jt, p.length) << "jt of " << pc;
            EXPECT_LT(pc + 1 + i.jf, p.length) << "jf of " << pc;
        }
    }
    EXPECT_EQ(BPF_CLASS(p.instructions[p.length - 1].code), BPF_RET);
}

TEST(WriteExecuteFilter, X86_64Calls) {
    filter_program p = built();
    const unsigned x = AUDIT_ARCH_X86_64;
    EXPECT_EQ(evaluate(p, call(x, 9, 0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC)), kDeny);
    EXPECT_EQ(evaluate(p, call(x, 9, 0, 4096, PROT_WRITE | PROT_EXEC)), kDeny);
    EXPECT_EQ(evaluate(p, call(x, 9, 0, 4096, PROT_READ | PROT_EXEC)), SECCOMP_RET_ALLOW);
    EXPECT_EQ(evaluate(p, call(x, 9, 0, 4096, PROT_READ | PROT_WRITE)), SECCOMP_RET_ALLOW);
    EXPECT_EQ(evaluate(p, call(x, 10, 0, 4096, PROT_READ | PROT_EXEC)), kDeny);
    EXPECT_EQ(evaluate(p, call(x, 10, 0, 4096, PROT_READ)), SECCOMP_RET_ALLOW);
    EXPECT_EQ(evaluate(p, call(x, 329, 0, 4096, PROT_EXEC)), kDeny);
    EXPECT_EQ(evaluate(p, call(x, 30, 1, 0, 0100000)), kDeny);
    EXPECT_EQ(evaluate(p, call(x, 30, 1, 0, 0)), SECCOMP_RET_ALLOW);
    EXPECT_EQ(evaluate(p, call(x, 39)), SECCOMP_RET_ALLOW);  // getpid
}

TEST(WriteExecuteFilter, X32CallsAreTheSameCallsWithBit30Set) {
    filter_program p = built();
    const unsigned x = AUDIT_ARCH_X86_64;
    EXPECT_EQ(evaluate(p, call(x, 0x40000000 | 9, 0, 4096, PROT_WRITE | PROT_EXEC)), kDeny);
    EXPECT_EQ(evaluate(p, call(x, 0x40000000 | 10, 0, 4096, PROT_EXEC)), kDeny);
    EXPECT_EQ(evaluate(p, call(x, 0x40000000 | 39)), SECCOMP_RET_ALLOW);
}

TEST(WriteExecuteFilter, I386CallsThroughInt0x80) {
    filter_program p = built();
    const unsigned i = AUDIT_ARCH_I386;
    EXPECT_EQ(evaluate(p, call(i, 192, 0, 4096, PROT_WRITE | PROT_EXEC)), kDeny);  // mmap2
    EXPECT_EQ(evaluate(p, call(i, 192, 0, 4096, PROT_READ)), SECCOMP_RET_ALLOW);
    EXPECT_EQ(evaluate(p, call(i, 90)), kDeny);  // old_mmap: arguments in memory
    EXPECT_EQ(evaluate(p, call(i, 125, 0, 4096, PROT_EXEC)), kDeny);
    EXPECT_EQ(evaluate(p, call(i, 380, 0, 4096, PROT_EXEC)), kDeny);
    EXPECT_EQ(evaluate(p, call(i, 397, 1, 0, 0100000)), kDeny);
    EXPECT_EQ(evaluate(p, call(i, 117, 21, 1, 0100000)), kDeny);           // ipc(SHMAT, SHM_EXEC)
    EXPECT_EQ(evaluate(p, call(i, 117, 21, 1, 0)), SECCOMP_RET_ALLOW);     // ipc(SHMAT)
    EXPECT_EQ(evaluate(p, call(i, 117, 22, 1, 0100000)), SECCOMP_RET_ALLOW); // ipc(SHMDT)
    EXPECT_EQ(evaluate(p, call(i, 117, (2 << 16) | 21, 1, 0100000)), kDeny) << "ipc version bits are ignored";
    EXPECT_EQ(evaluate(p, call(i, 20)), SECCOMP_RET_ALLOW);                // getpid
}

TEST(WriteExecuteFilter, OtherArchitecturesAreLeftAlone) {
    filter_program p = built();
    EXPECT_EQ(evaluate(p, call(AUDIT_ARCH_AARCH64, 226, 0, 4096, PROT_EXEC)), SECCOMP_RET_ALLOW);
}

}  // namespace
