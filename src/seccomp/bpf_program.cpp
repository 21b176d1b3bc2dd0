#include "seccomp/bpf_program.h"

namespace sealkit::seccomp {

bpf_program::bpf_program(bpf_storage &storage) : storage_(storage) {}

bpf_program::label bpf_program::new_label() {
    if (labels_ == kMaxLabels) {
        overflow_ = true;
        return label{0};
    }
    storage_.label_position[labels_] = -1;
    return label{static_cast<uint16_t>(labels_++)};
}

void bpf_program::place(label where) {
    if (where.id != 0) storage_.label_position[where.id] = static_cast<int>(length_);
}

void bpf_program::emit(sock_filter instruction, label if_true, label if_false, label always) {
    if (length_ == kMaxFilterInstructions) {
        overflow_ = true;
        return;
    }
    storage_.instructions[length_] = instruction;
    storage_.true_label[length_] = if_true.id;
    storage_.false_label[length_] = if_false.id;
    storage_.always_label[length_] = always.id;
    ++length_;
}

void bpf_program::load_word(uint32_t offset) { emit(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offset)); }
void bpf_program::load_scratch(uint32_t slot) { emit(BPF_STMT(BPF_LD | BPF_MEM, slot)); }
void bpf_program::store_scratch(uint32_t slot) { emit(BPF_STMT(BPF_ST, slot)); }
void bpf_program::load_constant(uint32_t value) { emit(BPF_STMT(BPF_LD | BPF_IMM, value)); }
void bpf_program::copy_a_to_x() { emit(BPF_STMT(BPF_MISC | BPF_TAX, 0)); }
void bpf_program::copy_x_to_a() { emit(BPF_STMT(BPF_MISC | BPF_TXA, 0)); }
void bpf_program::alu(uint16_t op, uint32_t operand) { emit(BPF_STMT(BPF_ALU | op | BPF_K, operand)); }
void bpf_program::alu_with_x(uint16_t op) { emit(BPF_STMT(BPF_ALU | op | BPF_X, 0)); }
void bpf_program::ret(uint32_t action) { emit(BPF_STMT(BPF_RET | BPF_K, action)); }
void bpf_program::ret_a() { emit(BPF_STMT(BPF_RET | BPF_A, 0)); }

void bpf_program::branch(uint16_t op, uint32_t operand, label if_true, label if_false) {
    emit(BPF_JUMP(BPF_JMP | op | BPF_K, operand, 0, 0), if_true, if_false);
}

void bpf_program::branch_with_x(uint16_t op, label if_true, label if_false) {
    emit(BPF_JUMP(BPF_JMP | op | BPF_X, 0, 0, 0), if_true, if_false);
}

void bpf_program::branch_far(uint16_t op, uint32_t operand, label far_target) {
    // if (!(A op k)) skip the ja; else take it.
    emit(BPF_JUMP(BPF_JMP | op | BPF_K, operand, 0, 1));
    jump(far_target);
}

void bpf_program::jump(label target) { emit(BPF_STMT(BPF_JMP | BPF_JA, 0), label{0}, label{0}, target); }

bool bpf_program::finish() {
    if (overflow_) return false;
    auto offset_to = [&](unsigned from, uint16_t id, long &offset) {
        if (id == 0) {
            offset = 0;
            return true;
        }
        const int target = storage_.label_position[id];
        if (target < 0 || static_cast<unsigned>(target) <= from) return false;
        offset = target - static_cast<long>(from) - 1;
        return true;
    };
    for (unsigned i = 0; i < length_; ++i) {
        sock_filter &instruction = storage_.instructions[i];
        long offset = 0;
        if (storage_.always_label[i] != 0) {
            if (!offset_to(i, storage_.always_label[i], offset)) return false;
            instruction.k = static_cast<uint32_t>(offset);
        }
        if (storage_.true_label[i] != 0) {
            if (!offset_to(i, storage_.true_label[i], offset) || offset > 255) return false;
            instruction.jt = static_cast<uint8_t>(offset);
        }
        if (storage_.false_label[i] != 0) {
            if (!offset_to(i, storage_.false_label[i], offset) || offset > 255) return false;
            instruction.jf = static_cast<uint8_t>(offset);
        }
    }
    return true;
}

unsigned bpf_program::kernel_length(const sock_filter *code, unsigned length) {
    unsigned total = 3;  // prologue: A = 0, X = 0, the context pointer into a callee-saved register
    for (unsigned i = 0; i < length; ++i) {
        const sock_filter &in = code[i];
        switch (BPF_CLASS(in.code)) {
        case BPF_RET:
            total += BPF_RVAL(in.code) == BPF_K ? 2 : 1;  // RET K: mov r0, K; exit
            break;
        case BPF_JMP:
            total += 1;
            if (BPF_OP(in.code) == BPF_JA) break;
            // eBPF immediates are signed: K >= 2^31 is moved into a register first.
            if (BPF_SRC(in.code) == BPF_K && static_cast<int32_t>(in.k) < 0) total += 1;
            // Two targets: the jump and a `ja`, unless the false branch falls
            // through, or (JEQ) the true branch does and it becomes JNE.
            if (in.jf != 0 && !(in.jt == 0 && BPF_OP(in.code) == BPF_JEQ)) total += 1;
            break;
        default: total += 1; break;
        }
    }
    return total;
}

}  // namespace sealkit::seccomp
