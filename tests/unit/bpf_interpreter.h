// A classic-BPF interpreter for seccomp programs, for tests only: it runs
// a compiled filter on a made-up seccomp_data so that millions of random
// calls can be checked against a model without the kernel. It implements
// exactly the instructions the kernel's seccomp checker accepts and fails
// loudly on anything else or on a jump out of the program.
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <string.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace sealkit_test {

// `executed`, when given, receives the number of instructions run.
inline uint32_t run_bpf(const sock_filter *code, unsigned length, const seccomp_data &data,
                        unsigned *executed = nullptr) {
    uint32_t a = 0, x = 0, memory[BPF_MEMWORDS] = {};
    unsigned char bytes[sizeof(seccomp_data)];
    memcpy(bytes, &data, sizeof data);
    if (executed != nullptr) *executed = 0;
    for (unsigned pc = 0; pc < length; ++pc) {
        const sock_filter &in = code[pc];
        if (executed != nullptr) ++*executed;
        const uint32_t operand = BPF_SRC(in.code) == BPF_X ? x : in.k;
        switch (BPF_CLASS(in.code)) {
        case BPF_LD:
            if (in.code == (BPF_LD | BPF_W | BPF_ABS)) {
                if (in.k % 4 != 0 || in.k + 4 > sizeof data) throw std::runtime_error("bad load offset");
                memcpy(&a, bytes + in.k, 4);
            } else if (in.code == (BPF_LD | BPF_IMM)) {
                a = in.k;
            } else if (in.code == (BPF_LD | BPF_MEM)) {
                if (in.k >= BPF_MEMWORDS) throw std::runtime_error("bad scratch slot");
                a = memory[in.k];
            } else {
                throw std::runtime_error("unsupported load " + std::to_string(in.code));
            }
            break;
        case BPF_ST:
            if (in.k >= BPF_MEMWORDS) throw std::runtime_error("bad scratch slot");
            memory[in.k] = a;
            break;
        case BPF_MISC:
            if (BPF_MISCOP(in.code) == BPF_TAX)
                x = a;
            else
                a = x;
            break;
        case BPF_ALU:
            switch (BPF_OP(in.code)) {
            case BPF_ADD: a += operand; break;
            case BPF_SUB: a -= operand; break;
            case BPF_AND: a &= operand; break;
            case BPF_OR: a |= operand; break;
            // The kernel's eBPF takes a 32-bit shift's count modulo 32 on x86_64.
            case BPF_LSH: a <<= operand % 32; break;
            case BPF_RSH: a >>= operand % 32; break;
            default: throw std::runtime_error("unsupported alu op");
            }
            break;
        case BPF_JMP: {
            unsigned offset;
            if (BPF_OP(in.code) == BPF_JA) {
                offset = in.k;
            } else {
                bool taken;
                switch (BPF_OP(in.code)) {
                case BPF_JEQ: taken = a == operand; break;
                case BPF_JGT: taken = a > operand; break;
                case BPF_JGE: taken = a >= operand; break;
                case BPF_JSET: taken = (a & operand) != 0; break;
                default: throw std::runtime_error("unsupported jump");
                }
                offset = taken ? in.jt : in.jf;
            }
            if (pc + offset + 1 >= length) throw std::runtime_error("jump out of the program");
            pc += offset;
            break;
        }
        case BPF_RET:
            return BPF_RVAL(in.code) == BPF_A ? a : in.k;
        default:
            throw std::runtime_error("unsupported class");
        }
    }
    throw std::runtime_error("fell off the end of the program");
}

// The kernel's check that every scratch-memory load follows a store on
// every path (check_load_and_stores in net/core/filter.c), which rejects a
// filter with EINVAL at install time: a jump narrows the slots known
// written at its targets, `ja` leaves nothing known after itself, and a
// return, oddly, leaves what was known in place for the next instruction.
// Returns the first offending instruction, or -1.
inline int first_unwritten_scratch_load(const sock_filter *code, unsigned length) {
    std::vector<uint16_t> known(length + 1, 0xffff);
    uint16_t written = 0;
    for (unsigned pc = 0; pc < length; ++pc) {
        written &= known[pc];
        const sock_filter &in = code[pc];
        switch (in.code) {
        case BPF_ST:
        case BPF_STX: written |= static_cast<uint16_t>(1u << in.k); break;
        case BPF_LD | BPF_MEM:
        case BPF_LDX | BPF_MEM:
            if (!(written & (1u << in.k))) return static_cast<int>(pc);
            break;
        case BPF_JMP | BPF_JA:
            if (pc + 1 + in.k <= length) known[pc + 1 + in.k] &= written;
            written = 0xffff;
            break;
        default:
            if (BPF_CLASS(in.code) == BPF_JMP) {
                if (pc + 1 + in.jt <= length) known[pc + 1 + in.jt] &= written;
                if (pc + 1 + in.jf <= length) known[pc + 1 + in.jf] &= written;
            }
            break;
        }
    }
    return -1;
}

}  // namespace sealkit_test
