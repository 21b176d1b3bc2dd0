#include "seccomp/listener_lock.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stddef.h>

namespace sealkit::seccomp {
namespace {

constexpr uint32_t kSeccompX86_64 = 317;  // the x32 bit is masked off first
constexpr uint32_t kSeccompI386 = 354;
constexpr uint32_t kX32Bit = 0x40000000;
constexpr uint32_t kFlagsLow = offsetof(seccomp_data, args) + 8 * 1;  // seccomp(op, flags, args)

}  // namespace

bool build_listener_lock(bpf_program &program, const uint64_t (&token)[2]) {
    const bpf_program::label refuse = program.new_label();
    const bpf_program::label native = program.new_label();
    const bpf_program::label compat = program.new_label();
    const bpf_program::label check_flags = program.new_label();
    const bpf_program::label allow = program.new_label();
    program.load_word(offsetof(seccomp_data, arch));
    program.branch(BPF_JEQ, AUDIT_ARCH_X86_64, native, bpf_program::next());
    program.branch(BPF_JEQ, AUDIT_ARCH_I386, compat, allow);
    program.place(native);
    program.load_word(offsetof(seccomp_data, nr));
    program.alu(BPF_AND, ~kX32Bit);
    program.branch(BPF_JEQ, kSeccompX86_64, check_flags, allow);
    program.place(compat);
    program.load_word(offsetof(seccomp_data, nr));
    program.branch(BPF_JEQ, kSeccompI386, check_flags, allow);
    program.place(check_flags);
    program.load_word(kFlagsLow);
    program.branch(BPF_JSET, SECCOMP_FILTER_FLAG_NEW_LISTENER, bpf_program::next(), allow);
    // The token: arguments 3 and 4, each as two 32-bit halves.
    for (unsigned word = 0; word < 4; ++word) {
        const uint64_t half = token[word / 2] >> (32 * (word % 2));
        program.load_word(offsetof(seccomp_data, args) + 8 * (3 + word / 2) + 4 * (word % 2));
        program.branch(BPF_JEQ, static_cast<uint32_t>(half), bpf_program::next(), refuse);
    }
    program.jump(allow);
    program.place(refuse);
    program.ret(SECCOMP_RET_ERRNO | EBUSY);
    program.place(allow);
    program.ret(SECCOMP_RET_ALLOW);
    return program.finish();
}

}  // namespace sealkit::seccomp
