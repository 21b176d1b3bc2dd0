#include "seccomp/seal_filter_compiler.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/mman.h>

#include "seccomp/mapping_syscalls.h"

namespace sealkit::seccomp {
namespace {

constexpr uint32_t kAllow = SECCOMP_RET_ALLOW;
constexpr uint32_t kNoSuchSyscall = SECCOMP_RET_ERRNO | ENOSYS;
constexpr uint32_t kReturnZero = SECCOMP_RET_ERRNO | 0;  // shmdt of a sealed segment: 0, nothing done
constexpr uint32_t kRefuseIoUring = SECCOMP_RET_ERRNO | EPERM;
constexpr uint32_t kListenerBusy = SECCOMP_RET_ERRNO | EBUSY;  // the kernel's own answer while a listener exists
constexpr uint32_t kSeccompX86_64 = 317, kSeccompI386 = 354;

constexpr uint32_t kMapFixed = 0x10;
constexpr uint32_t kMapFixedNoReplace = 0x100000;
constexpr uint32_t kMremapFixed = 2;
constexpr uint32_t kShmRemap = 040000;
constexpr uint32_t kPageMask = 0xfff;
// Pieces are cut here so that the search's constants stay below 2^31.
constexpr uint32_t kHalfWindow = 0x80000000u;
// Blocks (compiler_workspace::piece::pages): aligned 32-page spans.
constexpr uint32_t kPageShift = 12;
constexpr uint32_t kBlockShift = 17;
constexpr uint32_t kPagesPerBlock = 32;
// The discard advice of the facts sheet's table: DONTNEED, FREE, REMOVE,
// DONTFORK, WIPEONFORK, DONTNEED_LOCKED, GUARD_INSTALL.
constexpr uint32_t kDiscardAdvice[] = {4, 8, 9, 10, 18, 24, 102};

// Scratch memory slots.
enum slot : uint32_t {
    start_low,
    start_high,
    last_low,  // the query's last byte: start + round_up(len) - 1
    last_high,
    length_low,
    length_high,
    refusal_slot,  // what a hit returns
    route_slot,    // which list to search
    block_pages_slot,  // the sealed pages of the block a query reached
    query_pages_slot,  // the query's pages in that block
};
enum route : uint32_t { route_reprotect, route_unmap, route_discard, route_unmap_then_source };

constexpr uint32_t argument_low(int i) { return offsetof(seccomp_data, args) + 8 * i; }
constexpr uint32_t argument_high(int i) { return argument_low(i) + 4; }

using label = bpf_program::label;

bool same_ranges(range_list a, range_list b) {
    if (a.count != b.count) return false;
    for (size_t i = 0; i < a.count; ++i)
        if (a.ranges[i].start != b.ranges[i].start || a.ranges[i].end != b.ranges[i].end) return false;
    return true;
}

// The pages [first, last] cover in their block, as bits.
uint32_t pages_of(uint32_t first, uint32_t last) {
    const uint32_t low = (first >> kPageShift) % kPagesPerBlock, high = (last >> kPageShift) % kPagesPerBlock;
    return static_cast<uint32_t>((uint64_t{2} << high) - 1) & (~uint32_t{0} << low);
}

class compiler {
public:
    compiler(const seal_filter_policy &policy, compiler_workspace &workspace, bpf_program &program)
        : policy_(policy), workspace_(workspace), out_(program) {}

    bool compile();

private:
    void dispatch(bool i386);
    bool finish() {
        if (sink_used_) {
            out_.place(sink_);
            out_.ret(kAllow);
        }
        return out_.finish();
    }
    // Whether a call with 32-bit arguments (int 0x80) can touch a range:
    // its address and length are below 4 GiB, so its last byte is below 8 GiB.
    bool reachable_from_32_bit_arguments() const {
        const range_list lists[] = {policy_.reprotect, policy_.unmap, policy_.discard};
        for (const range_list &l : lists)
            if (l.count != 0 && l.ranges[0].start < (uint64_t{1} << 33)) return true;
        return false;
    }
    void emit_blocks();
    void trap_when_called_from(range_list code);
    // brk below the sealed heap pages is checked when someone can answer
    // it with the current break (seal_filter_policy::sealed_heap_top).
    bool break_rule() const {
        return !destination_only_ && policy_.sealed_heap_top >= 4096 &&
               (policy_.refusal == SECCOMP_RET_USER_NOTIF || policy_.trap_break_from.count != 0);
    }
    // The kernel's check that scratch memory is written before it is read
    // (check_load_and_stores) carries its state across a `ret` as if
    // control fell through it, but starts afresh after a `ja`. Code that
    // only jumps reach, each jump with the query stored, follows a `ret`:
    // this `ja`, which nothing executes, tells the checker so (one
    // instruction, where storing every slot again would take eight).
    void forget_scratch() {
        sink_used_ = true;
        out_.jump(sink_);
    }
    void emit_remap_source(bool own_preamble);
    void emit_preamble(label at, bool unmap_only);
    // `escape_misses`: whether a miss leaves within kEscapeEvery
    // instructions (end_of_leaf()); off for mremap's destination alone.
    bool emit_search(range_list ranges, label entry, label miss_far, bool escape_misses = true);
    struct none_check {
        bool check = false;     // the tree's "none" outcome hits if the query's last byte
        uint32_t lowest_first = 0;  // is at or above this (the upper half's first piece)
    };
    void emit_window_tree(size_t first, size_t last, size_t end, uint32_t offset, const none_check &none);
    void emit_window(const compiler_workspace::group &group);
    bool split(range_list ranges);
    void gather_blocks();
    // A block leaf's stub, "A = pages; ja block_check", and the shared
    // check it ends in (emit_block_check()).
    label block_stub(uint32_t pages) {
        note_use();
        block_stub_[block_count_] = out_.new_label();
        block_pages_[block_count_] = pages;
        block_check_used_ = true;
        return block_stub_[block_count_++];
    }
    void emit_block_check();
    // Instructions the pending stubs will take once placed: the miss stub
    // (one), the hit stub (two), then the block and far stubs.
    unsigned pending_stub_length() const {
        return 3 + static_cast<unsigned>(far_count_) + 2 * static_cast<unsigned>(block_count_);
    }
    // An estimate of the code of a subtree over pieces [first, last]: its
    // comparisons, leaves, escapes and their stubs. Stubs pending from
    // before the subtree may be placed inside it too: the caller adds them
    // (a reviewer's layout reached a jump of 246 when they were left out).
    unsigned subtree_length(size_t first, size_t last) const {
        unsigned length = 0;
        for (size_t i = first; i <= last; ++i) length += workspace_.pieces[i].pages != 0 ? 6 : 4;
        return length + length / kEscapeEvery + 3 * (length / 150 + 2) + 8;
    }

    // The query's arguments into scratch memory, then the preamble.
    void store_argument(int index, slot low, slot high);
    void store_query(int address, int length, route where, uint32_t refusal);
    void store_one_page(int address, route where, uint32_t refusal);
    void refuse_when_advice_discards(int argument, label discards, label other);

    // Tree leaves jump to nearby stubs: "ld M[refusal]; ret A" and the miss.
    label hit() {
        note_use();
        hit_used_ = true;
        return stub_hit_;
    }
    label miss() {
        note_use();
        miss_used_ = true;
        return stub_miss_;
    }
    // A stub `ja target` for a conditional jump whose target is out of reach.
    label far(label target) {
        note_use();
        far_stub_[far_count_] = out_.new_label();
        far_target_[far_count_] = target;
        return far_stub_[far_count_++];
    }
    void note_use() {
        if (first_use_ < 0) first_use_ = static_cast<int>(out_.length());
    }
    void new_stubs() {
        stub_hit_ = out_.new_label();
        stub_miss_ = out_.new_label();
        first_use_ = -1;
        miss_used_ = hit_used_ = false;
    }
    void emit_miss() {
        if (miss_far_.id != 0)
            out_.jump(miss_far_);
        else
            out_.ret(kAllow);
    }
    // What reaches the stubs by falling through: nothing (after a return
    // or jump), code that continues after them (it jumps over), or a
    // search leaf's miss (it enters the miss stub, placed first).
    enum class falling : uint8_t { never, past, into_miss };
    // Places pending stubs when forced or when they are about to get out of
    // reach.
    void flush_stubs(bool force, falling through);
    // After a leaf: what falls through it is a miss, which would otherwise
    // run on through every later comparison of the tree (all false for
    // it) to the tree's end; it leaves at the next stubs or escape, at most
    // kEscapeEvery instructions and a search path on (the searches that
    // escape: not mremap's destination, escapes_).
    void end_of_leaf();
    static constexpr unsigned kEscapeEvery = 96;
    unsigned last_escape_ = 0;
    // The search being emitted escapes its misses (emit_search()). Not for
    // mremap's destination, a rare call whose search then costs no escapes
    // (they take about 1% of a filter's capacity).
    bool escapes_ = true;

    const seal_filter_policy &policy_;
    compiler_workspace &workspace_;
    bpf_program &out_;
    size_t pieces_ = 0, groups_ = 0, runs_ = 0;

    label stub_hit_{0}, stub_miss_{0};
    int first_use_ = -1;
    bool miss_used_ = false, hit_used_ = false;
    static constexpr size_t kMaxFar = 32;
    label far_stub_[kMaxFar], far_target_[kMaxFar];
    size_t far_count_ = 0;
    static constexpr size_t kMaxBlockStubs = 40;
    label block_stub_[kMaxBlockStubs];
    uint32_t block_pages_[kMaxBlockStubs] = {};
    size_t block_count_ = 0;
    label block_check_{0};
    bool block_check_used_ = false;
    label miss_far_{0};

    bool reprotect_ = false, unmap_ = false, discard_ = false;
    // mremap's destination: checked here (with a search of its own), by
    // another filter, or by this one alone.
    bool destination_here_ = true, destination_only_ = false;
    // Equal lists share one copy of the search code.
    bool reprotect_shares_unmap_ = false, discard_shares_unmap_ = false;
    label allow_, refuse_, no_such_syscall_, preamble_, source_preamble_, sink_;
    bool sink_used_ = false;
    label reprotect_entry_, unmap_entry_, discard_entry_, unmap_then_source_entry_;
    label reprotect_block_, unmap_block_, map_block_, remap_block_, remap_source_block_,
        advise_block_, advise_process_block_, shm_attach_block_, shm_detach_block_, ipc_block_, io_uring_block_,
        seal_block_, break_block_, adding_access_block_, listener_lock_block_;
};

bool compiler::split(range_list ranges) {
    pieces_ = groups_ = runs_ = 0;
    auto add_piece = [&](uint32_t window, uint32_t first, uint32_t last) {
        if (first < kHalfWindow && last >= kHalfWindow) {
            if (pieces_ + 2 > compiler_workspace::kMaxPieces) return false;
            if (groups_ == 0 || workspace_.groups[groups_ - 1].window != window)
                workspace_.groups[groups_++] = {window, static_cast<uint32_t>(pieces_), 0, 0};
            workspace_.groups[groups_ - 1].count += 2;
            workspace_.pieces[pieces_++] = {first, kHalfWindow - 1, 0};
            workspace_.pieces[pieces_++] = {kHalfWindow, last, 0};
            return true;
        }
        if (pieces_ == compiler_workspace::kMaxPieces) return false;
        if (groups_ == 0 || workspace_.groups[groups_ - 1].window != window)
            workspace_.groups[groups_++] = {window, static_cast<uint32_t>(pieces_), 0, 0};
        workspace_.groups[groups_ - 1].count++;
        workspace_.pieces[pieces_++] = {first, last, 0};
        return true;
    };
    for (size_t i = 0; i < ranges.count; ++i) {
        const uint64_t first = ranges.ranges[i].start;
        const uint64_t last = ranges.ranges[i].end - 1;
        const uint32_t w1 = static_cast<uint32_t>(first >> 32), w2 = static_cast<uint32_t>(last >> 32);
        if (w1 == w2) {
            if (!add_piece(w1, static_cast<uint32_t>(first), static_cast<uint32_t>(last))) return false;
            continue;
        }
        if (!add_piece(w1, static_cast<uint32_t>(first), 0xffffffffu)) return false;
        if (w2 - w1 >= 2) {
            if (runs_ == compiler_workspace::kMaxPieces) return false;
            workspace_.runs[runs_++] = {w1 + 1, w2 - 1};
        }
        if (!add_piece(w2, 0, static_cast<uint32_t>(last))) return false;
    }
    gather_blocks();
    return true;
}

// Runs of two or more pieces inside one aligned block become one block
// piece: five instructions however many ranges it holds, against three a
// range. Dense seals (an arena's pages, every other page) thus cost a
// fraction of an instruction per range, which keeps thousands of them in
// one filter.
void compiler::gather_blocks() {
    auto block_of = [](uint32_t address) { return address >> kBlockShift; };
    size_t out = 0;
    for (size_t g = 0; g < groups_; ++g) {
        auto &group = workspace_.groups[g];
        const size_t begin = group.first_piece, end = begin + group.count;
        group.first_piece = static_cast<uint32_t>(out);
        for (size_t i = begin; i < end;) {
            const uint32_t block = block_of(workspace_.pieces[i].first);
            size_t j = i;
            while (j < end && block_of(workspace_.pieces[j].first) == block &&
                   block_of(workspace_.pieces[j].last) == block)
                ++j;
            if (j - i < 2) {
                workspace_.pieces[out++] = workspace_.pieces[i++];
                continue;
            }
            uint32_t pages = 0;
            for (size_t k = i; k < j; ++k) pages |= pages_of(workspace_.pieces[k].first, workspace_.pieces[k].last);
            workspace_.pieces[out++] = {workspace_.pieces[i].first, workspace_.pieces[j - 1].last, pages};
            i = j;
        }
        group.count = static_cast<uint32_t>(out - group.first_piece);
    }
    pieces_ = out;
}

void compiler::end_of_leaf() {
    const unsigned before = out_.length();
    flush_stubs(false, falling::into_miss);
    if (out_.length() != before) {
        last_escape_ = out_.length();
    } else if (escapes_ && out_.length() - last_escape_ >= kEscapeEvery) {
        out_.jump(miss());
        last_escape_ = out_.length();
    }
}

void compiler::flush_stubs(bool force, falling through) {
    if (first_use_ < 0) return;
    // Called between leaves: at most a leaf, an escape and a path of
    // comparisons (at most 25 instructions: 13 levels for 4,096
    // instructions, 2 for a leaf, 1 escape) are emitted before the next
    // call, so stubs placed once they and the code since their first use
    // reach 228 instructions are still in reach (at most 253 of 255).
    if (!force && block_count_ < kMaxBlockStubs &&
        out_.length() - static_cast<unsigned>(first_use_) + pending_stub_length() < 228)
        return;
    label after = out_.new_label();
    if (through == falling::past) out_.jump(after);
    if (through == falling::into_miss || miss_used_) {
        out_.place(stub_miss_);
        emit_miss();
    }
    if (hit_used_) {
        out_.place(stub_hit_);
        out_.load_scratch(refusal_slot);
        out_.ret_a();
    }
    for (size_t i = 0; i < block_count_; ++i) {
        out_.place(block_stub_[i]);
        out_.load_constant(block_pages_[i]);
        out_.jump(block_check_);
    }
    block_count_ = 0;
    for (size_t i = 0; i < far_count_; ++i) {
        out_.place(far_stub_[i]);
        out_.jump(far_target_[i]);
    }
    far_count_ = 0;
    out_.place(after);
    new_stubs();
}

// Binary search over one window's pieces for the first piece whose last
// byte is at or after the query's first byte: the answer lies in
// [first, last], where `last == end` means "none". The query hits iff that
// piece starts at or before the query's last byte.
// A = the query's first byte, X = its last byte (low halves, both minus
// `offset`, the half-window the pieces were made relative to).
//
// Shaped for the kernel's eBPF count (bpf_program.h): every comparison
// jumps on true and falls through on false, and every constant is below
// 2^31, so each costs one instruction. A leaf is "A = X; if (A >= first)
// hit" and falls through on a miss into the code that follows, which is
// the next subtree: its comparisons are against larger constants than
// the failed one, which A (the query's last byte) is below, so a miss is
// false at every comparison it meets. Left alone it would run through the
// rest of the tree in order (every later leaf and node: thousands of
// instructions at the window's low end), so in the searches that escape
// (all but mremap's destination), at least every kEscapeEvery
// instructions a leaf is followed by a jump to the miss stub, or by the
// stubs themselves, the miss stub first (end_of_leaf()). No leaf needs a
// second jump target. A block piece's leaf is the
// same comparison, jumping on true to a stub that loads the block's
// sealed pages and goes on to the search's emit_block_check().
void compiler::emit_window_tree(size_t first, size_t last, size_t end, uint32_t offset, const none_check &none) {
    if (first == last) {
        if (first == end) {
            if (none.check) {  // the upper half's pieces, out of this tree's reach
                out_.copy_x_to_a();
                out_.branch(BPF_JGE, none.lowest_first, hit(), bpf_program::next());
            }
            emit_miss();
            flush_stubs(false, falling::never);
        } else {
            const auto &piece = workspace_.pieces[first];
            out_.copy_x_to_a();
            out_.branch(BPF_JGE, piece.first - offset, piece.pages == 0 ? hit() : block_stub(piece.pages),
                        bpf_program::next());
            end_of_leaf();
        }
        return;
    }
    const size_t middle = first + (last - first) / 2;
    const size_t left_bound = subtree_length(first, middle) + pending_stub_length();
    label right = out_.new_label();
    if (left_bound <= 240)
        out_.branch(BPF_JGT, workspace_.pieces[middle].last - offset, right, bpf_program::next());
    else if (far_count_ < kMaxFar)
        // Out of reach: to a nearby `ja right` placed with the next stubs.
        // (branch_far's "jt = 0, jf = 1" costs a kernel before JGT/JGE
        // inversion one more converted instruction.)
        out_.branch(BPF_JGT, workspace_.pieces[middle].last - offset, far(right), bpf_program::next());
    else
        out_.branch_far(BPF_JGT, workspace_.pieces[middle].last - offset, right);
    emit_window_tree(first, middle, end, offset, none);
    // Stubs not placed yet: the left subtree turned out short enough for
    // the comparison to reach `right` itself.
    for (size_t i = 0; i < far_count_; ++i)
        if (far_target_[i].id == right.id) {
            out_.place(far_stub_[i]);
            far_stub_[i] = far_stub_[far_count_ - 1];
            far_target_[i] = far_target_[--far_count_];
            break;
        }
    out_.place(right);
    emit_window_tree(middle + 1, last, end, offset, none);
}

// One window's pieces. The pieces are cut at 2^31 (split()), so that the
// search compares with constants below 2^31: the lower half's pieces as
// they are, the upper half's relative to 2^31.
void compiler::emit_window(const compiler_workspace::group &group) {
    const size_t begin = group.first_piece, end = begin + group.count;
    size_t upper = begin;
    while (upper < end && workspace_.pieces[upper].first < kHalfWindow) ++upper;
    out_.load_scratch(last_low);
    out_.copy_a_to_x();
    out_.load_scratch(start_low);
    if (upper == end) {
        last_escape_ = out_.length();
        emit_window_tree(begin, end, end, 0, none_check{});
        flush_stubs(true, falling::never);
        return;
    }
    label upper_half = out_.new_label();
    if (upper > begin) {
        // A query that starts in the lower half can still reach the upper
        // half's first piece: the lower tree's "none" checks it.
        out_.branch_far(BPF_JGE, kHalfWindow, upper_half);
        last_escape_ = out_.length();
        emit_window_tree(begin, upper, upper, 0, none_check{true, workspace_.pieces[upper].first});
        flush_stubs(true, falling::never);
    } else {
        label starts_low = out_.new_label();
        out_.branch(BPF_JGE, kHalfWindow, upper_half, starts_low);
        out_.place(starts_low);
        out_.copy_x_to_a();
        out_.branch(BPF_JGE, workspace_.pieces[upper].first, hit(), bpf_program::next());
        emit_miss();
        flush_stubs(true, falling::never);
    }
    // Both ends of the query lie in the upper half (last >= first >= 2^31).
    out_.place(upper_half);
    out_.load_scratch(last_low);
    out_.alu(BPF_SUB, kHalfWindow);
    out_.copy_a_to_x();
    out_.load_scratch(start_low);
    out_.alu(BPF_SUB, kHalfWindow);
    last_escape_ = out_.length();
    emit_window_tree(upper, end, end, kHalfWindow, none_check{});
    flush_stubs(true, falling::never);
}

bool compiler::emit_search(range_list ranges, label entry, label miss_far, bool escape_misses) {
    if (!split(ranges)) return false;
    miss_far_ = miss_far;
    escapes_ = escape_misses;
    new_stubs();
    block_check_ = out_.new_label();
    block_check_used_ = false;
    // Only jumps reach a search, and every jump comes with the query in
    // scratch memory: say so to the kernel's checker (see forget_scratch()).
    forget_scratch();
    out_.place(entry);
    label same_window = out_.new_label(), across_windows = out_.new_label();
    out_.load_scratch(start_high);
    out_.copy_a_to_x();
    out_.load_scratch(last_high);
    out_.branch_with_x(BPF_JEQ, same_window, bpf_program::next());
    out_.jump(across_windows);

    // The query lies inside one 4 GiB window, which A holds.
    out_.place(same_window);
    for (size_t i = 0; i < runs_; ++i) {
        label inside = out_.new_label(), outside = out_.new_label();
        out_.branch(BPF_JGE, workspace_.runs[i].first_window, inside, outside);
        out_.place(inside);
        out_.branch(BPF_JGT, workspace_.runs[i].last_window, outside, hit());
        out_.place(outside);
        flush_stubs(false, falling::past);
    }
    for (size_t g = 0; g < groups_; ++g) {
        label body = out_.new_label();
        workspace_.groups[g].label = body.id;
        out_.branch_far(BPF_JEQ, workspace_.groups[g].window, body);
    }
    emit_miss();
    flush_stubs(true, falling::never);
    for (size_t g = 0; g < groups_; ++g) {
        const auto &group = workspace_.groups[g];
        out_.place(label{group.label});
        emit_window(group);
    }

    // The query spans several windows (a rare, large call): a window
    // strictly inside it is covered whole; the first and last windows
    // only from the query's first byte on, and up to its last byte.
    out_.place(across_windows);
    for (size_t i = 0; i < runs_; ++i) {
        label next = out_.new_label(), check_end = out_.new_label();
        out_.load_scratch(start_high);
        out_.branch(BPF_JGT, workspace_.runs[i].last_window, next, check_end);
        out_.place(check_end);
        out_.load_scratch(last_high);
        out_.branch(BPF_JGE, workspace_.runs[i].first_window, hit(), next);
        out_.place(next);
        flush_stubs(false, falling::past);
    }
    for (size_t g = 0; g < groups_; ++g) {
        const auto &group = workspace_.groups[g];
        const uint32_t window = group.window;
        const uint32_t lowest = workspace_.pieces[group.first_piece].first;
        const uint32_t highest = workspace_.pieces[group.first_piece + group.count - 1].last;
        label next = out_.new_label(), not_after = out_.new_label(), not_start = out_.new_label(),
              not_inside = out_.new_label(), start_case = out_.new_label(), end_case = out_.new_label();
        out_.load_scratch(start_high);
        out_.branch(BPF_JGT, window, next, not_after);  // the window lies before the query
        out_.place(not_after);
        out_.branch(BPF_JEQ, window, start_case, not_start);
        out_.place(not_start);
        out_.load_scratch(last_high);
        out_.branch(BPF_JGT, window, hit(), not_inside);  // strictly inside
        out_.place(not_inside);
        out_.branch(BPF_JEQ, window, end_case, next);
        out_.place(start_case);
        out_.load_scratch(start_low);
        out_.branch(BPF_JGT, highest, next, hit());
        out_.place(end_case);
        out_.load_scratch(last_low);
        out_.branch(BPF_JGE, lowest, hit(), next);
        out_.place(next);
        flush_stubs(false, falling::past);
    }
    emit_miss();
    flush_stubs(true, falling::never);
    if (block_check_used_) emit_block_check();
    miss_far_ = label{0};
    return true;
}

// Where every block leaf that matched ends, with A = the block's sealed
// pages. The leaf found the query's last byte at or after the block's first
// sealed byte, and its first byte at or before the block's last (the
// search's invariant), so: a query reaching outside the block covers one of
// those two sealed bytes; one inside it hits iff it shares a sealed page.
void compiler::emit_block_check() {
    label hit = out_.new_label(), miss = out_.new_label();
    out_.place(block_check_);
    out_.store_scratch(block_pages_slot);
    out_.load_scratch(start_low);
    out_.alu(BPF_RSH, kBlockShift);
    out_.copy_a_to_x();
    out_.load_scratch(last_low);
    out_.alu(BPF_RSH, kBlockShift);
    out_.branch_with_x(BPF_JEQ, bpf_program::next(), hit);  // the query leaves the block
    // The query's pages: bits first..last, as (2 << last) - 1 & ~0 << first.
    out_.load_scratch(last_low);
    out_.alu(BPF_RSH, kPageShift);
    out_.alu(BPF_AND, kPagesPerBlock - 1);
    out_.copy_a_to_x();
    out_.load_constant(2);
    out_.alu_with_x(BPF_LSH);
    out_.alu(BPF_SUB, 1);
    out_.store_scratch(query_pages_slot);
    out_.load_scratch(start_low);
    out_.alu(BPF_RSH, kPageShift);
    out_.alu(BPF_AND, kPagesPerBlock - 1);
    out_.copy_a_to_x();
    out_.load_constant(~uint32_t{0});
    out_.alu_with_x(BPF_LSH);
    out_.copy_a_to_x();
    out_.load_scratch(query_pages_slot);
    out_.alu_with_x(BPF_AND);
    out_.copy_a_to_x();
    out_.load_scratch(block_pages_slot);
    out_.alu_with_x(BPF_AND);
    out_.branch(BPF_JEQ, 0, miss, bpf_program::next());
    out_.place(hit);
    out_.load_scratch(refusal_slot);
    out_.ret_a();
    out_.place(miss);
    emit_miss();
}

void compiler::store_argument(int index, slot low, slot high) {
    out_.load_word(argument_low(index));
    out_.store_scratch(low);
    out_.load_word(argument_high(index));
    out_.store_scratch(high);
}

void compiler::store_query(int address, int length, route where, uint32_t refusal) {
    store_argument(address, start_low, start_high);
    store_argument(length, length_low, length_high);
    out_.load_constant(where);
    out_.store_scratch(route_slot);
    out_.load_constant(refusal);
    out_.store_scratch(refusal_slot);
    out_.jump(preamble_);
}

void compiler::store_one_page(int address, route where, uint32_t refusal) {
    store_argument(address, start_low, start_high);
    out_.load_constant(1);
    out_.store_scratch(length_low);
    out_.load_constant(0);
    out_.store_scratch(length_high);
    out_.load_constant(where);
    out_.store_scratch(route_slot);
    out_.load_constant(refusal);
    out_.store_scratch(refusal_slot);
    out_.jump(preamble_);
}

void compiler::refuse_when_advice_discards(int argument, label discards, label other) {
    out_.load_word(argument_low(argument));
    for (uint32_t advice : kDiscardAdvice) {
        label next = out_.new_label();
        out_.branch(BPF_JEQ, advice, discards, next);
        out_.place(next);
    }
    out_.jump(other);
}

// The range check's common start: the query [start, start + len) becomes
// first and last byte in 64 bits; calls the kernel refuses for their
// arguments are allowed so that it gives its own errno.
void compiler::emit_preamble(label at, bool unmap_only) {
    label allow = out_.new_label(), nonzero = out_.new_label(), low_zero = out_.new_label(),
          borrow = out_.new_label(), no_borrow = out_.new_label(), rounded = out_.new_label(),
          carry = out_.new_label(), no_carry = out_.new_label(), routed = out_.new_label(),
          aligned = out_.new_label();
    out_.place(at);
    out_.load_scratch(start_low);
    out_.branch(BPF_JSET, kPageMask, allow, aligned);  // unaligned: EINVAL from the kernel
    out_.place(aligned);
    out_.load_scratch(length_low);
    out_.branch(BPF_JEQ, 0, low_zero, nonzero);
    out_.place(low_zero);
    out_.load_scratch(length_high);
    out_.branch(BPF_JEQ, 0, allow, nonzero);  // len 0: a no-op or EINVAL
    out_.place(nonzero);
    // len - 1 rounded up to the page's last byte: (len - 1) | 0xfff.
    out_.load_scratch(length_low);
    out_.branch(BPF_JEQ, 0, borrow, no_borrow);
    out_.place(borrow);
    out_.load_scratch(length_high);
    out_.alu(BPF_SUB, 1);
    out_.store_scratch(length_high);
    out_.load_constant(0xffffffffu);
    out_.jump(rounded);
    out_.place(no_borrow);
    out_.alu(BPF_SUB, 1);
    out_.place(rounded);
    out_.alu(BPF_OR, kPageMask);
    out_.store_scratch(length_low);
    // last = start + (len - 1 rounded); a wrap means the kernel refuses.
    out_.load_scratch(start_low);
    out_.copy_a_to_x();
    out_.load_scratch(length_low);
    out_.alu_with_x(BPF_ADD);
    out_.store_scratch(last_low);
    out_.branch_with_x(BPF_JGE, no_carry, carry);
    out_.place(carry);
    out_.load_scratch(length_high);
    out_.alu(BPF_ADD, 1);
    out_.store_scratch(length_high);
    out_.branch(BPF_JEQ, 0, allow, no_carry);
    out_.place(no_carry);
    out_.load_scratch(start_high);
    out_.copy_a_to_x();
    out_.load_scratch(length_high);
    out_.alu_with_x(BPF_ADD);
    out_.store_scratch(last_high);
    out_.branch_with_x(BPF_JGE, routed, allow);
    out_.place(routed);
    out_.load_scratch(route_slot);
    if (unmap_only) {
        out_.jump(unmap_entry_);
    } else {
        if (reprotect_)
            out_.branch_far(BPF_JEQ, route_reprotect, reprotect_shares_unmap_ ? unmap_entry_ : reprotect_entry_);
        if (unmap_) {
            out_.branch_far(BPF_JEQ, route_unmap, unmap_entry_);
            if (destination_here_) out_.branch_far(BPF_JEQ, route_unmap_then_source, unmap_then_source_entry_);
        }
        if (discard_) out_.branch_far(BPF_JEQ, route_discard, discard_shares_unmap_ ? unmap_entry_ : discard_entry_);
    }
    out_.place(allow);
    out_.ret(kAllow);
}

void compiler::dispatch(bool i386) {
    out_.load_word(offsetof(seccomp_data, nr));
    if (!i386) out_.alu(BPF_AND, ~kX32SyscallBit);  // x32: the same numbers with a bit set
    if (policy_.process_rules && !destination_only_)
        out_.branch_far(BPF_JGT, static_cast<uint32_t>(i386 ? kHighestReviewedI386 : kHighestReviewedX86_64),
                        no_such_syscall_);
    if (policy_.listener_lock_token != nullptr && !destination_only_)
        out_.branch_far(BPF_JEQ, i386 ? kSeccompI386 : kSeccompX86_64, listener_lock_block_);
    for (size_t i = 0; i < kMappingSyscallCount; ++i) {
        const mapping_syscall &call = kMappingSyscalls[i];
        const int number = i386 ? call.i386_number : call.x86_64_number;
        if (number < 0) continue;
        label block{};
        switch (call.effect) {
        case mapping_effect::reprotect:
            block = !reprotect_                                  ? label{0}
                    : policy_.reprotect_only_adding_access       ? adding_access_block_
                    : reprotect_shares_unmap_                    ? unmap_block_
                                                                 : reprotect_block_;
            break;
        case mapping_effect::unmap: block = unmap_ ? unmap_block_ : label{0}; break;
        case mapping_effect::map: block = unmap_ ? map_block_ : label{0}; break;
        case mapping_effect::map_indirect: block = unmap_ ? refuse_ : label{0}; break;
        case mapping_effect::remap: block = unmap_ ? remap_block_ : label{0}; break;
        case mapping_effect::remap_file_pages: block = unmap_ ? unmap_block_ : label{0}; break;
        case mapping_effect::advise: block = discard_ ? advise_block_ : label{0}; break;
        case mapping_effect::advise_process: block = discard_ ? advise_process_block_ : label{0}; break;
        case mapping_effect::shm_attach: block = unmap_ ? shm_attach_block_ : label{0}; break;
        case mapping_effect::shm_detach: block = unmap_ ? shm_detach_block_ : label{0}; break;
        case mapping_effect::ipc_multiplexer: block = unmap_ ? ipc_block_ : label{0}; break;
        case mapping_effect::heap_break: block = break_rule() ? break_block_ : label{0}; break;
        case mapping_effect::seal: block = policy_.trap_mseal_from.count ? seal_block_ : label{0}; break;
        case mapping_effect::io_uring_setup: block = policy_.deny_io_uring ? io_uring_block_ : label{0}; break;
        }
        if (call.effect == mapping_effect::remap && unmap_ && !destination_here_)
            block = destination_only_ ? remap_block_ : remap_source_block_;
        else if (destination_only_)
            block = label{0};
        if (block.id != 0) out_.branch_far(BPF_JEQ, static_cast<uint32_t>(number), block);
    }
    out_.ret(kAllow);
}

// A linear scan of the caller's instruction pointer over the ranges (few,
// and the calls trapped are not hot): SECCOMP_RET_TRAP from inside one,
// falling through otherwise.
void compiler::trap_when_called_from(range_list code) {
    for (size_t i = 0; i < code.count; ++i) {
        const address_range &r = code.ranges[i];
        const uint64_t last = r.end - 1;
        if ((r.start >> 32) != (last >> 32)) continue;  // never for a code mapping; skipped safely
        label next = out_.new_label(), window = out_.new_label(), above = out_.new_label();
        out_.load_word(offsetof(seccomp_data, instruction_pointer) + 4);
        out_.branch(BPF_JEQ, static_cast<uint32_t>(r.start >> 32), window, next);
        out_.place(window);
        out_.load_word(offsetof(seccomp_data, instruction_pointer));
        out_.branch(BPF_JGE, static_cast<uint32_t>(r.start), above, next);
        out_.place(above);
        out_.branch(BPF_JGT, static_cast<uint32_t>(last), next, bpf_program::next());
        out_.ret(SECCOMP_RET_TRAP);
        out_.place(next);
    }
}

void compiler::emit_blocks() {
    if (destination_only_) {
        if (!unmap_) return;
        label destination = out_.new_label();
        out_.place(remap_block_);
        out_.load_word(argument_low(3));
        out_.branch(BPF_JSET, kMremapFixed, destination, allow_);
        out_.place(destination);
        store_query(4, 2, route_unmap, policy_.refusal);
        out_.place(allow_);
        out_.ret(kAllow);
        return;
    }
    if (policy_.trap_mseal_from.count != 0) {
        out_.place(seal_block_);
        trap_when_called_from(policy_.trap_mseal_from);
        out_.ret(kAllow);  // the kernel's own answer
    }
    if (break_rule()) {
        // brk(addr) unmaps [round_up(addr), old break): sealed heap pages
        // when 0 < addr <= top - one page (round_up(addr) < top, top page
        // aligned). brk(0) asks for the break.
        const uint64_t lowest_refused = policy_.sealed_heap_top - 4096;
        const uint32_t high = static_cast<uint32_t>(lowest_refused >> 32);
        label below = out_.new_label(), same_window = out_.new_label(), lower_window = out_.new_label(),
              high_zero = out_.new_label();
        out_.place(break_block_);
        out_.load_word(argument_high(0));
        out_.branch(BPF_JGT, high, allow_, bpf_program::next());
        out_.branch(BPF_JEQ, high, same_window, lower_window);
        out_.place(lower_window);  // below the top's window: refused unless addr == 0
        out_.branch(BPF_JEQ, 0, high_zero, below);
        out_.place(high_zero);
        out_.load_word(argument_low(0));
        out_.branch(BPF_JEQ, 0, allow_, below);
        out_.place(same_window);
        out_.load_word(argument_low(0));
        out_.branch(BPF_JGT, static_cast<uint32_t>(lowest_refused), allow_, bpf_program::next());
        if (high == 0) out_.branch(BPF_JEQ, 0, allow_, bpf_program::next());  // addr == 0
        out_.place(below);
        if (policy_.refusal == SECCOMP_RET_USER_NOTIF) {
            out_.ret(policy_.refusal);  // the listener answers with the current break
        } else {
            trap_when_called_from(policy_.trap_break_from);  // this image's handler answers
            out_.ret(kAllow);                                 // an exec'd program: the kernel's answer
        }
    }
    if (policy_.deny_io_uring) {
        out_.place(io_uring_block_);
        out_.ret(kRefuseIoUring);
    }
    if (policy_.listener_lock_token != nullptr && !destination_only_) {
        // seccomp(op, flags, args, token low, token high): a new listener
        // only with the token, each 64-bit word as two 32-bit halves.
        label check_token = out_.new_label(), no_listener = out_.new_label(), busy = out_.new_label();
        out_.place(listener_lock_block_);
        out_.load_word(argument_low(1));
        out_.branch(BPF_JSET, SECCOMP_FILTER_FLAG_NEW_LISTENER, check_token, no_listener);
        out_.place(no_listener);
        out_.ret(kAllow);
        out_.place(check_token);
        for (unsigned word = 0; word < 4; ++word) {
            const uint64_t half = policy_.listener_lock_token[word / 2] >> (32 * (word % 2));
            out_.load_word(word % 2 == 0 ? argument_low(3 + static_cast<int>(word / 2))
                                         : argument_high(3 + static_cast<int>(word / 2)));
            out_.branch(BPF_JEQ, static_cast<uint32_t>(half), bpf_program::next(), busy);
        }
        out_.ret(kAllow);
        out_.place(busy);
        out_.ret(kListenerBusy);
    }
    if (reprotect_ && policy_.reprotect_only_adding_access) {
        // mprotect(addr, len, prot): prot without bits beyond PROT_READ
        // takes access away at most and goes through.
        out_.place(adding_access_block_);
        out_.load_word(argument_low(2));
        out_.branch_far(BPF_JSET, ~static_cast<uint32_t>(PROT_READ),
                        reprotect_shares_unmap_ ? unmap_block_ : reprotect_block_);
        out_.ret(kAllow);
    }
    if (reprotect_ && !reprotect_shares_unmap_) {
        out_.place(reprotect_block_);
        store_query(0, 1, route_reprotect, policy_.refusal);
    }
    if (discard_) {
        label go = out_.new_label();
        out_.place(advise_block_);
        refuse_when_advice_discards(2, go, allow_);
        out_.place(go);
        store_query(0, 1, route_discard, policy_.refusal);
        // process_madvise's ranges are in memory: any discard is refused.
        out_.place(advise_process_block_);
        refuse_when_advice_discards(3, refuse_, allow_);
    }
    if (unmap_) {
        // munmap, remap_file_pages (and mprotect when its list is the same):
        // (addr, len) in the first two arguments.
        // mmap with MAP_FIXED (not NOREPLACE) goes on as munmap does.
        label fixed = out_.new_label();
        out_.place(map_block_);
        out_.load_word(argument_low(3));
        out_.branch(BPF_JSET, kMapFixedNoReplace, allow_, fixed);  // EEXIST from the kernel
        out_.place(fixed);
        out_.branch(BPF_JSET, kMapFixed, unmap_block_, allow_);
        out_.place(unmap_block_);
        store_query(0, 1, route_unmap, policy_.refusal);
        // mremap: the destination (MREMAP_FIXED) first, then the source.
        if (!destination_here_) emit_remap_source(false);
        if (destination_here_) {
            label destination = out_.new_label();
            out_.place(remap_block_);
            out_.load_word(argument_low(3));
            out_.branch(BPF_JSET, kMremapFixed, destination, bpf_program::next());
            out_.jump(remap_source_block_);
            out_.place(destination);
            store_query(4, 2, route_unmap_then_source, policy_.refusal);
        }
        out_.place(shm_attach_block_);
        out_.load_word(argument_low(2));
        out_.branch(BPF_JSET, kShmRemap, refuse_, allow_);  // the segment's size is not visible
        out_.place(shm_detach_block_);
        store_one_page(0, route_unmap, kReturnZero);
        // i386 ipc(call, first, second, third, ptr, fifth): the call is
        // the low 16 bits; SHMAT's flags are `second`, SHMDT's address `ptr`.
        label not_attach = out_.new_label(), not_detach = out_.new_label(), detach = out_.new_label();
        out_.place(ipc_block_);
        out_.load_word(argument_low(0));
        out_.alu(BPF_AND, 0xffff);
        out_.branch(BPF_JEQ, kI386IpcShmat, bpf_program::next(), not_attach);
        out_.load_word(argument_low(2));
        out_.branch(BPF_JSET, kShmRemap, refuse_, allow_);
        out_.place(not_attach);
        out_.branch(BPF_JEQ, kI386IpcShmdt, detach, not_detach);
        out_.place(not_detach);
        out_.jump(allow_);
        out_.place(detach);
        store_one_page(4, route_unmap, kReturnZero);
    }
    // Placed after every block that jumps to them (BPF only jumps forward).
    out_.place(refuse_);
    out_.ret(policy_.refusal);
    out_.place(no_such_syscall_);
    out_.ret(kNoSuchSyscall);
    out_.place(allow_);
    out_.ret(kAllow);
}

// mremap's source [addr, addr + old_len) as the query. With the
// destination checked here, this follows the destination's search (BPF
// only jumps forward) and needs a preamble of its own; otherwise it is one
// of the blocks before the common preamble.
void compiler::emit_remap_source(bool own_preamble) {
    out_.place(remap_source_block_);
    label zero_low = out_.new_label(), zero = out_.new_label(), stored = out_.new_label();
    store_argument(0, start_low, start_high);
    out_.load_word(argument_high(1));
    out_.store_scratch(length_high);
    out_.copy_a_to_x();
    out_.load_word(argument_low(1));
    out_.store_scratch(length_low);
    // old_len 0 (a duplicate of a shared mapping) still needs the
    // source unsealed: check its first page.
    out_.branch(BPF_JEQ, 0, zero_low, stored);
    out_.place(zero_low);
    out_.copy_x_to_a();
    out_.branch(BPF_JEQ, 0, zero, stored);
    out_.place(zero);
    out_.load_constant(1);
    out_.store_scratch(length_low);
    out_.place(stored);
    out_.load_constant(route_unmap);
    out_.store_scratch(route_slot);
    out_.load_constant(policy_.refusal);
    out_.store_scratch(refusal_slot);
    if (own_preamble)
        emit_preamble(source_preamble_, true);
    else
        out_.jump(preamble_);
}

bool compiler::compile() {
    destination_only_ = policy_.destination == seal_filter_policy::remap_destination::only;
    destination_here_ = policy_.destination == seal_filter_policy::remap_destination::here;
    reprotect_ = !destination_only_ && policy_.reprotect.count != 0;
    unmap_ = policy_.unmap.count != 0;
    discard_ = !destination_only_ && policy_.discard.count != 0;
    reprotect_shares_unmap_ = reprotect_ && unmap_ && same_ranges(policy_.reprotect, policy_.unmap);
    discard_shares_unmap_ = discard_ && unmap_ && same_ranges(policy_.discard, policy_.unmap);
    label *const named[] = {&sink_, &allow_, &refuse_, &no_such_syscall_, &preamble_, &source_preamble_, &reprotect_entry_,
                            &unmap_entry_, &discard_entry_, &unmap_then_source_entry_, &reprotect_block_,
                            &unmap_block_, &map_block_, &remap_block_, &remap_source_block_,
                            &advise_block_, &advise_process_block_, &shm_attach_block_,
                            &shm_detach_block_, &ipc_block_, &io_uring_block_, &seal_block_, &break_block_,
                            &adding_access_block_, &listener_lock_block_};
    for (label *l : named) *l = out_.new_label();

    label i386 = out_.new_label(), other_arch = out_.new_label();
    out_.load_word(offsetof(seccomp_data, arch));
    out_.branch(BPF_JEQ, AUDIT_ARCH_X86_64, bpf_program::next(), i386);
    dispatch(false);
    out_.place(i386);
    out_.branch(BPF_JEQ, AUDIT_ARCH_I386, bpf_program::next(), other_arch);
    const bool process_rules = policy_.process_rules && !destination_only_;
    if (process_rules || reachable_from_32_bit_arguments() || policy_.listener_lock_token != nullptr)
        dispatch(true);
    else
        out_.ret(kAllow);  // an i386 call's range ends below 8 GiB: it cannot reach these ranges
    out_.place(other_arch);
    out_.ret(process_rules ? kNoSuchSyscall : kAllow);
    emit_blocks();
    if (reprotect_ || unmap_ || discard_) {
        forget_scratch();
        emit_preamble(preamble_, destination_only_);
    }
    if (destination_only_) {
        if (unmap_ && !emit_search(policy_.unmap, unmap_entry_, label{0}, false)) return false;
        return finish();
    }

    // The searches.
    if (unmap_) {
        // The mremap destination's search: a miss goes on to the source.
        if (destination_here_) {
            if (!emit_search(policy_.unmap, unmap_then_source_entry_, remap_source_block_, false)) return false;
            emit_remap_source(true);
        }
        if (!emit_search(policy_.unmap, unmap_entry_, label{0})) return false;
    }
    if (reprotect_ && !reprotect_shares_unmap_ && !emit_search(policy_.reprotect, reprotect_entry_, label{0}))
        return false;
    if (discard_ && !discard_shares_unmap_ && !emit_search(policy_.discard, discard_entry_, label{0})) return false;
    return finish();
}

}  // namespace

bool compile_seal_filter(const seal_filter_policy &policy, compiler_workspace &workspace, bpf_program &program) {
    if (program.length() != 0 || policy.refusal == 0) return false;
    compiler c(policy, workspace, program);
    return c.compile();
}

}  // namespace sealkit::seccomp
