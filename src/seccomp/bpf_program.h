// A classic-BPF program under construction, with named forward labels.
//
// seccomp filters are classic BPF: conditional jumps reach at most 255
// instructions forward (an 8-bit offset), unconditional `ja` reaches
// anywhere forward, nothing jumps back, and a filter holds at most 4096
// instructions. The seal-filter compiler writes code in the order it runs
// and names jump targets with labels placed later; finish() resolves them
// and fails (rather than truncating an offset) if a conditional jump ended
// up too far or the program too long.
//
//   bpf_program program(storage);
//   bpf_program::label allow = program.new_label();
//   program.load_word(offsetof(seccomp_data, nr));
//   program.branch(BPF_JEQ, __NR_getpid, allow, deny);
//   ...
//   program.place(allow);
//   program.ret(SECCOMP_RET_ALLOW);
//   if (!program.finish()) ... too big
//
// What the kernel counts is not this length: seccomp converts the program
// to eBPF (bpf_convert_filter in net/core/filter.c) and caps the whole
// chain at 32,768 converted instructions, 4 more per filter
// (seccomp_attach_filter). kernel_length() predicts the converted length,
// so the compiler can prefer the shapes that convert one to one: a
// conditional jump whose false branch falls through (jf == 0), and
// constants below 2^31.
//
// libc-only: the storage is the caller's (the backend maps it), so the
// builder allocates nothing and can run inside a signal handler.
#pragma once

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

namespace sealkit::seccomp {

inline constexpr unsigned kMaxFilterInstructions = 4096;  // BPF_MAXINSNS
inline constexpr unsigned kMaxLabels = 8192;
inline constexpr unsigned kMaxChainInstructions = 32768;  // MAX_INSNS_PER_PATH, counted in eBPF
inline constexpr unsigned kChainCostPerFilter = 4;        // the kernel's "4 instr penalty"

// Everything one program needs; about 100 KiB, so callers map it.
struct bpf_storage {
    sock_filter instructions[kMaxFilterInstructions];
    int label_position[kMaxLabels];                // -1 until placed
    uint16_t true_label[kMaxFilterInstructions];   // label of jt (0: none)
    uint16_t false_label[kMaxFilterInstructions];  // label of jf (0: none)
    uint16_t always_label[kMaxFilterInstructions]; // label of ja's k (0: none)
};

// A jump target; id 0 means "the next instruction".
struct bpf_label {
    uint16_t id;
};

class bpf_program {
public:
    using label = bpf_label;

    explicit bpf_program(bpf_storage &storage);

    label new_label();
    void place(label where);

    void load_word(uint32_t offset);   // A = seccomp_data[offset]
    void load_scratch(uint32_t slot);  // A = M[slot]
    void store_scratch(uint32_t slot); // M[slot] = A
    void load_constant(uint32_t value);
    void copy_a_to_x();
    void copy_x_to_a();
    void alu(uint16_t op, uint32_t operand);  // A = A op operand
    void alu_with_x(uint16_t op);             // A = A op X
    void ret(uint32_t action);
    void ret_a();

    // Conditional jumps compare A with a constant (BPF_JEQ, BPF_JGT, BPF_JGE,
    // BPF_JSET) or with X; each target is a label, or next() to fall through.
    void branch(uint16_t op, uint32_t operand, label if_true, label if_false);
    void branch_with_x(uint16_t op, label if_true, label if_false);
    // if (A op operand) goto far_target, however far; else fall through.
    void branch_far(uint16_t op, uint32_t operand, label far_target);
    void jump(label target);  // ja: any distance forward

    static label next() { return label{0}; }

    unsigned length() const { return length_; }
    unsigned remaining() const { return kMaxFilterInstructions - length_; }
    bool overflowed() const { return overflow_; }

    // Resolves every label. False when the program is too long, a label
    // was never placed or lies behind its jump, or a conditional jump
    // needed more than 255 instructions.
    bool finish();
    const sock_filter *instructions() const { return storage_.instructions; }

    // After finish(): the length of the program once the kernel has
    // converted it to eBPF, as seccomp_attach_filter counts it. Exact for
    // Linux 5.x to 6.18 except that a jump with jt == 0 and jf != 0 on
    // JGT/JGE counts 2 here, where newer kernels invert it into one
    // instruction (JLE/JLT): an upper bound on every kernel.
    unsigned kernel_length() const { return kernel_length(storage_.instructions, length_); }
    static unsigned kernel_length(const sock_filter *code, unsigned length);

private:
    void emit(sock_filter instruction, label if_true = label{0}, label if_false = label{0}, label always = label{0});

    bpf_storage &storage_;
    unsigned length_ = 0;
    unsigned labels_ = 1;  // label 0 means "the next instruction"
    bool overflow_ = false;
};

}  // namespace sealkit::seccomp
