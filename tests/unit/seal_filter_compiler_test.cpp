// The seal-filter compiler, checked by running its programs in a BPF
// interpreter against a model of the policy on random ranges and calls:
// ranges inside one 4 GiB window, across window boundaries, across the
// middle of a window (2^31, where the compiler cuts them) and covering
// whole windows; calls of every mapping syscall through both the x86_64
// and i386 tables, with lengths from 0 to near-overflow. Then against the
// kernel: what it counts of a compiled program (its eBPF length), and
// 5,000 ranges sealed in one call holding in a real process.
#include <errno.h>
#include <gtest/gtest.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>

#include <algorithm>
#include <memory>
#include <random>
#include <vector>

#include "bpf_interpreter.h"
#include "seccomp/mapping_syscalls.h"
#include "seccomp/seal_enforcer.h"
#include "seccomp/seal_filter_compiler.h"

namespace {

using namespace sealkit::seccomp;

constexpr uint32_t kRefusal = SECCOMP_RET_ERRNO | EPERM;
constexpr uint64_t kPage = 4096;

struct compiled {
    std::unique_ptr<bpf_storage> storage = std::make_unique<bpf_storage>();
    std::unique_ptr<compiler_workspace> workspace = std::make_unique<compiler_workspace>();
    std::unique_ptr<bpf_program> program = std::make_unique<bpf_program>(*storage);
    bool ok = false;
};

// Every program a test compiles also passes the kernel's scratch-memory
// check (bpf_interpreter.h), which would refuse it at install time.
std::unique_ptr<compiled> compile(const seal_filter_policy &policy) {
    auto result = std::make_unique<compiled>();
    result->ok = compile_seal_filter(policy, *result->workspace, *result->program);
    if (result->ok) {
        const int bad = sealkit_test::first_unwritten_scratch_load(result->program->instructions(),
                                                                   result->program->length());
        EXPECT_EQ(bad, -1) << "a scratch load before any store on some path, at instruction " << bad;
    }
    return result;
}

bool intersects(const std::vector<address_range> &ranges, uint64_t first, uint64_t last) {
    for (const auto &r : ranges)
        if (r.start <= last && r.end - 1 >= first) return true;
    return false;
}

// The policy, written as directly as possible.
struct model {
    std::vector<address_range> reprotect, unmap, discard;
    std::vector<address_range> mseal_code;  // mseal from here traps
    bool process_rules = false, deny_io_uring = false;
    bool reprotect_only_adding_access = false;  // prot without bits beyond PROT_READ goes through
    seal_filter_policy::remap_destination destination = seal_filter_policy::remap_destination::here;
    uint64_t ip = 0;

    // The query [address, address + len) as first and last byte; false when
    // the kernel refuses the arguments themselves (so the filter allows).
    static bool query(uint64_t address, uint64_t length, uint64_t &first, uint64_t &last) {
        if (address % kPage != 0 || length == 0) return false;
        const uint64_t extent = (length - 1) | (kPage - 1);
        if (address + extent < address) return false;
        first = address;
        last = address + extent;
        return true;
    }
    uint32_t check(const std::vector<address_range> &ranges, uint64_t address, uint64_t length,
                   uint32_t refusal = kRefusal) const {
        uint64_t first, last;
        if (!query(address, length, first, last)) return SECCOMP_RET_ALLOW;
        return intersects(ranges, first, last) ? refusal : SECCOMP_RET_ALLOW;
    }
    static bool discards(uint64_t advice) {
        const uint32_t a = static_cast<uint32_t>(advice);
        return a == 4 || a == 8 || a == 9 || a == 10 || a == 18 || a == 24 || a == 102;
    }

    uint32_t expected(uint32_t arch, uint32_t nr, const __u64 *args) const {
        using where = seal_filter_policy::remap_destination;
        if (destination == where::only) {  // mremap's MREMAP_FIXED destination and nothing else
            const bool i386 = arch == AUDIT_ARCH_I386;
            const bool remap = arch == AUDIT_ARCH_X86_64 ? (nr & ~kX32SyscallBit) == SYS_mremap : i386 && nr == 163;
            if (!remap || !(args[3] & 2)) return SECCOMP_RET_ALLOW;
            uint64_t first, last;
            if (!query(args[4], args[2], first, last)) return SECCOMP_RET_ALLOW;
            return intersects(unmap, first, last) ? kRefusal : SECCOMP_RET_ALLOW;
        }
        const bool i386 = arch == AUDIT_ARCH_I386;
        if (arch != AUDIT_ARCH_X86_64 && !i386) return process_rules ? SECCOMP_RET_ERRNO | ENOSYS : SECCOMP_RET_ALLOW;
        if (!i386) nr &= ~kX32SyscallBit;
        if (process_rules && nr > 469) return SECCOMP_RET_ERRNO | ENOSYS;
        // An i386 call's memory lies below 4 GiB and its length too: with
        // nothing sealed below 8 GiB and no process rules, the filter need
        // not look at it (the listener lock aside, which this model omits).
        if (i386 && !process_rules) {
            bool reachable = false;
            for (const auto *list : {&reprotect, &unmap, &discard})
                reachable |= !list->empty() && list->front().start < (1ull << 33);
            if (!reachable) return SECCOMP_RET_ALLOW;
        }
        const mapping_syscall *call = nullptr;
        for (size_t i = 0; i < kMappingSyscallCount; ++i)
            if ((i386 ? kMappingSyscalls[i].i386_number : kMappingSyscalls[i].x86_64_number) == static_cast<int>(nr))
                call = &kMappingSyscalls[i];
        if (call == nullptr) return SECCOMP_RET_ALLOW;
        const bool u = !unmap.empty();
        switch (call->effect) {
        case mapping_effect::reprotect:
            if (reprotect_only_adding_access && (static_cast<uint32_t>(args[2]) & ~uint32_t{PROT_READ}) == 0)
                return SECCOMP_RET_ALLOW;
            return check(reprotect, args[0], args[1]);
        case mapping_effect::unmap: return check(unmap, args[0], args[1]);
        case mapping_effect::map:
            if (args[3] & 0x100000) return SECCOMP_RET_ALLOW;
            return (args[3] & 0x10) ? check(unmap, args[0], args[1]) : SECCOMP_RET_ALLOW;
        case mapping_effect::map_indirect: return u ? kRefusal : SECCOMP_RET_ALLOW;
        case mapping_effect::remap: {
            if ((args[3] & 2) && destination == seal_filter_policy::remap_destination::here) {
                uint64_t first, last;
                if (!query(args[4], args[2], first, last)) return SECCOMP_RET_ALLOW;
                if (intersects(unmap, first, last)) return kRefusal;
            }
            return check(unmap, args[0], args[1] == 0 ? 1 : args[1]);
        }
        case mapping_effect::remap_file_pages: return check(unmap, args[0], args[1]);
        case mapping_effect::advise: return discards(args[2]) ? check(discard, args[0], args[1]) : SECCOMP_RET_ALLOW;
        case mapping_effect::advise_process:
            return !discard.empty() && discards(args[3]) ? kRefusal : SECCOMP_RET_ALLOW;
        case mapping_effect::shm_attach: return u && (args[2] & 040000) ? kRefusal : SECCOMP_RET_ALLOW;
        case mapping_effect::shm_detach: return check(unmap, args[0], 1, SECCOMP_RET_ERRNO | 0);
        case mapping_effect::ipc_multiplexer: {
            const uint32_t which = static_cast<uint32_t>(args[0]) & 0xffff;
            if (which == 21) return u && (args[2] & 040000) ? kRefusal : SECCOMP_RET_ALLOW;
            if (which == 22) return check(unmap, args[4], 1, SECCOMP_RET_ERRNO | 0);
            return SECCOMP_RET_ALLOW;
        }
        case mapping_effect::heap_break: return SECCOMP_RET_ALLOW;
        case mapping_effect::seal:
            for (const auto &r : mseal_code)
                if (ip >= r.start && ip < r.end) return SECCOMP_RET_TRAP;
            return SECCOMP_RET_ALLOW;
        case mapping_effect::io_uring_setup: return deny_io_uring ? (SECCOMP_RET_ERRNO | EPERM) : SECCOMP_RET_ALLOW;
        }
        return SECCOMP_RET_ALLOW;
    }

    seal_filter_policy policy() const {
        seal_filter_policy p;
        p.reprotect = {reprotect.data(), reprotect.size()};
        p.unmap = {unmap.data(), unmap.size()};
        p.discard = {discard.data(), discard.size()};
        p.refusal = kRefusal;
        p.process_rules = process_rules;
        p.trap_mseal_from = {mseal_code.data(), mseal_code.size()};
        p.deny_io_uring = deny_io_uring;
        p.reprotect_only_adding_access = reprotect_only_adding_access;
        p.destination = destination;
        return p;
    }
};

// Sorted, disjoint, non-touching ranges around the interesting places: a
// few 4 GiB windows, their boundaries, and some covering whole windows.
std::vector<address_range> random_ranges(std::mt19937_64 &random, size_t count, bool with_huge) {
    std::vector<address_range> out;
    uint64_t cursor = 0x10000 + (random() % 64) * kPage;
    // 0x7ffe7ff00000: ranges across the middle of a window (low half 2^31).
    const uint64_t bases[] = {0x10000, 0xfff00000, 0x555555550000, 0x7ffe7ff00000, 0x7ffff0000000, 0x7fff00000000};
    size_t base_index = 0;
    cursor = bases[0];
    for (size_t i = 0; i < count; ++i) {
        if (i > 0 && random() % (count / 4 + 1) == 0 && base_index + 1 < std::size(bases)) {
            cursor = std::max(cursor, bases[++base_index]);
        }
        cursor += (1 + random() % 8) * kPage;  // a gap
        uint64_t length = (1 + random() % 6) * kPage;
        if (with_huge && random() % 40 == 0) length = (1 + random() % 3) * (1ull << 32) + (random() % 16) * kPage;
        if (random() % 10 == 0) {  // end exactly at or cross a window boundary
            const uint64_t boundary = (cursor | 0xffffffffull) + 1;
            if (boundary - cursor < (64ull << 20)) length = boundary - cursor + (random() % 2) * 4 * kPage;
        }
        out.push_back({cursor, cursor + length});
        cursor += length;
    }
    return out;
}

// Ranges packed the way an arena's seals are: random page patterns in
// aligned 32-page blocks (the compiler's block pieces), runs that cross
// from one block into the next, lone ranges between, blocks on both sides
// of 2^31 and of a window boundary.
std::vector<address_range> random_dense_ranges(std::mt19937_64 &random, size_t blocks) {
    constexpr uint64_t kBlock = 32 * kPage;
    const uint64_t bases[] = {0x20000, 0x7ffe7ff00000, 0x7ffeffe00000, 0x555555560000};
    std::vector<address_range> out;
    auto add = [&](uint64_t start, uint64_t end) {
        if (!out.empty() && out.back().end >= start) {
            out.back().end = std::max(out.back().end, end);
            return;
        }
        out.push_back({start, end});
    };
    uint64_t cursor = bases[0];
    size_t base_index = 0;
    for (size_t b = 0; b < blocks; ++b) {
        if (b > 0 && random() % (blocks / 3 + 1) == 0 && base_index + 1 < std::size(bases))
            cursor = std::max(cursor, bases[++base_index]);
        if (random() % 8 == 0) cursor += (1 + random() % 3) * kBlock;  // empty blocks
        uint32_t pattern = static_cast<uint32_t>(random());
        switch (random() % 6) {
        case 0: pattern &= static_cast<uint32_t>(random()); break;  // sparse
        case 1: pattern |= static_cast<uint32_t>(random()); break;  // dense
        case 2: pattern = 0x55555555u << (random() % 2); break;     // every other page
        case 3: pattern = (1u << (random() % 32)) | (1u << (random() % 32)); break;
        default: break;
        }
        if (random() % 10 == 0) {  // a long range from here into later blocks
            const uint64_t start = cursor + (random() % 32) * kPage;
            const uint64_t end = start + (33 + random() % 64) * kPage;
            add(start, end);
            cursor = (end + kBlock - 1) / kBlock * kBlock;
            continue;
        }
        for (unsigned page = 0; page < 32; ++page)
            if (pattern & (1u << page)) add(cursor + page * kPage, cursor + (page + 1) * kPage);
        cursor += kBlock;
    }
    return out;
}

uint64_t random_address_near(std::mt19937_64 &random, const std::vector<address_range> &ranges) {
    if (ranges.empty() || random() % 20 == 0) return (random() % (1ull << 47)) & ~(kPage - 1);
    const auto &r = ranges[random() % ranges.size()];
    const uint64_t anchor = random() % 2 ? r.start : r.end;
    int64_t delta = static_cast<int64_t>(random() % 9) - 4;
    uint64_t address = anchor + static_cast<uint64_t>(delta) * kPage;
    if (random() % 30 == 0) address += 1 + random() % (kPage - 1);  // unaligned
    if (random() % 12 == 0) address -= (1 + random() % 2) << 32;  // a window or two below
    return address;
}

uint64_t random_length(std::mt19937_64 &random) {
    switch (random() % 10) {
    case 0: return 0;
    case 1: return 1 + random() % kPage;
    case 2: return ~0ull - random() % (4 * kPage);  // near overflow
    case 3: return (1 + random() % 4) * (1ull << 32);
    case 4: return random() % (1ull << 36);
    case 5: return (1 + random() % 70) * kPage;  // across 32-page blocks
    default: return (1 + random() % 6) * kPage - (random() % 3 == 0 ? random() % kPage : 0);
    }
}

void check_against_model(const model &m, uint64_t seed, int calls) {
    const seal_filter_policy policy = m.policy();
    auto c = compile(policy);
    ASSERT_TRUE(c->ok) << "compile failed for " << m.unmap.size() << " ranges";
    std::mt19937_64 random(seed);
    std::vector<std::pair<uint32_t, uint32_t>> numbers;  // (arch, nr)
    for (size_t i = 0; i < kMappingSyscallCount; ++i) {
        if (kMappingSyscalls[i].x86_64_number >= 0) {
            numbers.push_back({AUDIT_ARCH_X86_64, static_cast<uint32_t>(kMappingSyscalls[i].x86_64_number)});
            numbers.push_back({AUDIT_ARCH_X86_64, kMappingSyscalls[i].x86_64_number | kX32SyscallBit});
        }
        if (kMappingSyscalls[i].i386_number >= 0)
            numbers.push_back({AUDIT_ARCH_I386, static_cast<uint32_t>(kMappingSyscalls[i].i386_number)});
    }
    numbers.push_back({AUDIT_ARCH_X86_64, SYS_getpid});
    numbers.push_back({AUDIT_ARCH_X86_64, 470});
    numbers.push_back({AUDIT_ARCH_X86_64, 999});
    numbers.push_back({AUDIT_ARCH_I386, 500});
    numbers.push_back({AUDIT_ARCH_AARCH64, 10});
    for (int i = 0; i < calls; ++i) {
        const auto [arch, nr] = numbers[random() % numbers.size()];
        seccomp_data data{};
        data.arch = arch;
        data.nr = static_cast<int>(nr);
        std::vector<address_range> all = m.unmap;
        all.insert(all.end(), m.discard.begin(), m.discard.end());
        all.insert(all.end(), m.reprotect.begin(), m.reprotect.end());
        data.args[0] = random_address_near(random, all);
        data.args[1] = random_length(random);
        data.args[2] = random() % 3 == 0 ? random_length(random) : (random() % 2 ? 4 : random() % 200);
        const uint64_t flags[] = {0, 0x10, 0x100000, 0x100010, 2, 3, 040000, 0x20};
        data.args[3] = flags[random() % std::size(flags)];
        data.args[4] = random_address_near(random, all);
        if (arch == AUDIT_ARCH_I386 && nr == 117) data.args[0] = (random() % 2 ? 21 : 22) | (random() % 2 << 16);
        if (arch == AUDIT_ARCH_I386)  // the kernel zero-extends 32-bit arguments
            for (auto &argument : data.args) argument &= 0xffffffffu;
        const uint64_t ips[] = {0x555555554000, 0x55555555ffff, 0x555555560000, 0x7f0000100000 - 1, 0x7f0000150000, 0x1000};
        data.instruction_pointer = ips[random() % std::size(ips)];
        model &mutable_model = const_cast<model &>(m);
        mutable_model.ip = data.instruction_pointer;
        const uint32_t want = m.expected(arch, nr, data.args);
        uint32_t got;
        try {
            got = sealkit_test::run_bpf(c->program->instructions(), c->program->length(), data);
        } catch (const std::exception &e) {
            FAIL() << "interpreter: " << e.what();
        }
        ASSERT_EQ(got, want) << "arch " << std::hex << arch << " nr " << std::dec << (nr & ~kX32SyscallBit)
                             << " args " << std::hex << data.args[0] << " " << data.args[1] << " " << data.args[2]
                             << " " << data.args[3] << " " << data.args[4];
    }
}

TEST(SealFilterCompiler, OneRangeMatchesTheModel) {
    model m;
    m.reprotect = m.unmap = m.discard = {{0x7f0000001000, 0x7f0000003000}};
    m.process_rules = m.deny_io_uring = true;
    m.mseal_code = {{0x555555554000, 0x555555560000}, {0x7f0000100000, 0x7f0000180000}};
    check_against_model(m, 1, 200000);
}

TEST(SealFilterCompiler, ManyRangesAcrossWindowsMatchTheModel) {
    for (uint64_t seed = 0; seed < 40; ++seed) {
        std::mt19937_64 random(seed);
        model m;
        m.unmap = random_ranges(random, 1 + random() % 300, true);
        m.reprotect = seed % 3 == 0 ? random_ranges(random, 1 + random() % 50, false) : m.unmap;
        if (seed % 2) m.discard = random_ranges(random, 1 + random() % 40, seed % 4 == 1);
        m.process_rules = seed % 2 == 0;
        m.reprotect_only_adding_access = seed % 5 == 2;
        check_against_model(m, seed + 100, 30000);
        if (HasFatalFailure()) return;
    }
}

// Lists that start windows above zero: the compiler's early exit for calls
// below a list (allow_when_outside) must let through only calls that
// cannot reach it, including those starting one or two windows below.
TEST(SealFilterCompiler, ListsFarFromZeroMatchTheModel) {
    for (uint64_t seed = 0; seed < 30; ++seed) {
        std::mt19937_64 random(seed + 900);
        const uint64_t shift = (1 + seed % 6) << 32;
        auto shifted = [&](std::vector<address_range> ranges) {
            for (auto &r : ranges) r = {r.start + shift, r.end + shift};
            return ranges;
        };
        model m;
        m.unmap = shifted(seed % 2 ? random_dense_ranges(random, 1 + random() % 60)
                                   : random_ranges(random, 1 + random() % 200, true));
        m.reprotect = seed % 3 == 0 ? shifted(random_ranges(random, 1 + random() % 50, false)) : m.unmap;
        if (seed % 2) m.discard = shifted(random_dense_ranges(random, 1 + random() % 20));
        m.process_rules = seed % 2 == 0;
        check_against_model(m, seed + 950, 30000);
        if (HasFatalFailure()) return;
    }
}

// A miss (a call on unsealed memory between sealed ranges, the common
// case) must cost about a search path, not the rest of the tree: a leaf's
// miss falls through into later code, which escapes to the miss stub at
// least every kEscapeEvery (96) instructions. When the stubs were jumped
// over and nothing escaped, a call in the middle of 600 scattered ranges
// ran 968 instructions (hits: about 80).
TEST(SealFilterCompiler, AMissBetweenRangesRunsAboutASearchPathNotTheWholeTree) {
    using where = seal_filter_policy::remap_destination;
    std::vector<address_range> ranges;
    const uint64_t base = 0x7e0080000000;
    for (size_t i = 0; i < 1100; ++i) ranges.push_back({base + 64 * i * kPage, base + (64 * i + 1) * kPage});
    for (const where w : {where::here, where::elsewhere}) {
        seal_filter_policy policy;
        policy.reprotect = policy.unmap = {ranges.data(), w == where::here ? 550 : ranges.size()};
        policy.refusal = kRefusal;
        policy.destination = w;
        auto c = compile(policy);
        ASSERT_TRUE(c->ok);
        unsigned most = 0, hit_most = 0;
        for (size_t i = 0; i < policy.unmap.count; ++i) {
            seccomp_data data{};
            data.arch = AUDIT_ARCH_X86_64;
            data.nr = SYS_mprotect;
            data.args[1] = kPage;
            data.args[2] = PROT_READ;
            unsigned executed = 0;
            data.args[0] = ranges[i].end + kPage * (i % 60);  // unsealed, after range i
            ASSERT_EQ(sealkit_test::run_bpf(c->program->instructions(), c->program->length(), data, &executed),
                      SECCOMP_RET_ALLOW);
            most = std::max(most, executed);
            data.args[0] = ranges[i].start;
            ASSERT_EQ(sealkit_test::run_bpf(c->program->instructions(), c->program->length(), data, &executed),
                      kRefusal);
            hit_most = std::max(hit_most, executed);
        }
        std::printf("%zu ranges: a miss runs at most %u instructions, a hit %u\n", policy.unmap.count, most, hit_most);
        EXPECT_LE(most, hit_most + 96 + 30);
    }
}

// Dense seals compile to block pieces (a bitmap of 32 pages each) whose
// check must answer exactly as the ranges do: queries inside a block,
// across its edges, from one block into the next, in both halves of a window.
TEST(SealFilterCompiler, DenseRangesInBlocksMatchTheModel) {
    for (uint64_t seed = 0; seed < 60; ++seed) {
        std::mt19937_64 random(seed + 500);
        model m;
        m.unmap = random_dense_ranges(random, 1 + random() % 120);
        m.reprotect = seed % 3 == 0 ? random_dense_ranges(random, 1 + random() % 20) : m.unmap;
        if (seed % 2) m.discard = random_dense_ranges(random, 1 + random() % 20);
        m.process_rules = seed % 2 == 0;
        if (seed % 4 == 3) m.destination = seal_filter_policy::remap_destination::elsewhere;
        if (seed % 8 == 5) m.destination = seal_filter_policy::remap_destination::only;
        check_against_model(m, seed + 600, 30000);
        if (HasFatalFailure()) return;
    }
}

// The relaxed mprotect rule of fixed-address ranges in filters that outlive
// exec (seal_enforcer.cpp): PROT_READ and PROT_NONE go through, anything
// more is refused, and the other calls are refused as before; with the
// reprotect list shared with unmap and with a list of its own.
TEST(SealFilterCompiler, ReprotectOnlyAddingAccessMatchesTheModel) {
    model m;
    m.reprotect = m.unmap = m.discard = {{0x401000, 0x40a000}};
    m.reprotect_only_adding_access = true;
    m.process_rules = true;
    check_against_model(m, 7, 100000);
    if (HasFatalFailure()) return;
    m.reprotect = {{0x400000, 0x402000}, {0x7f0000001000, 0x7f0000003000}};
    check_against_model(m, 8, 100000);
}

// A batch split into filters that leave mremap's destination to others and
// filters that check only it: each kind matches its model, and together
// they refuse exactly what one filter checking both refuses.
TEST(SealFilterCompiler, DestinationElsewhereAndDestinationOnlyMatchTheModel) {
    using where = seal_filter_policy::remap_destination;
    for (uint64_t seed = 0; seed < 16; ++seed) {
        std::mt19937_64 random(seed + 1000);
        model m;
        m.unmap = random_ranges(random, 1 + random() % 300, true);
        m.reprotect = seed % 3 == 0 ? random_ranges(random, 1 + random() % 50, false) : m.unmap;
        if (seed % 2) m.discard = random_ranges(random, 1 + random() % 40, seed % 4 == 1);
        m.process_rules = seed % 2 == 0;
        m.deny_io_uring = seed % 4 == 0;
        for (where w : {where::elsewhere, where::only}) {
            m.destination = w;
            check_against_model(m, seed + 200, 20000);
            if (HasFatalFailure()) return;
        }
    }
}

// The point of the split: one search per filter, so about twice the
// ranges fit in a filter, and a destination-only filter's overhead is
// small.
TEST(SealFilterCompiler, SplittingOffTheDestinationHalvesTheCostPerRangeAndFilter) {
    using where = seal_filter_policy::remap_destination;
    std::vector<address_range> ranges;
    // Scattered (one range per 32-page block), so that each is a piece of its own.
    for (size_t i = 0; i < 1000; ++i)
        ranges.push_back({0x7e0000100000 + 64 * i * kPage, 0x7e0000100000 + (64 * i + 1) * kPage});
    auto length = [&](where w, size_t n) {
        seal_filter_policy policy;
        policy.reprotect = policy.unmap = policy.discard = {ranges.data(), n};
        policy.refusal = kRefusal;
        policy.destination = w;
        auto c = compile(policy);
        EXPECT_TRUE(c->ok);
        return c->ok ? c->program->kernel_length() : 0u;
    };
    const unsigned here = length(where::here, 500), elsewhere = length(where::elsewhere, 500),
                   only = length(where::only, 500), only_one = length(where::only, 1);
    std::printf("500 ranges, converted: %u checking everything, %u without the destination, %u the destination "
                "only (%u for one range)\n", here, elsewhere, only, only_one);
    EXPECT_LT(elsewhere, here * 6 / 10);
    EXPECT_LT(only, here * 6 / 10);
    EXPECT_LT(only_one, 130u);
    EXPECT_TRUE(compile([&] {
        seal_filter_policy policy;
        policy.reprotect = policy.unmap = policy.discard = {ranges.data(), 1000};
        policy.refusal = kRefusal;
        policy.destination = where::elsewhere;
        return policy;
    }())->ok) << "1,000 ranges fit in one filter without the destination";
}

TEST(SealFilterCompiler, EmptyListsCompileToAPolicyWithoutRangeChecks) {
    model m;
    m.discard = {{0x1000, 0x2000}};
    check_against_model(m, 7, 20000);
}

TEST(SealFilterCompiler, OtherSyscallsAreAllowedWhateverTheirArguments) {
    // What lets the kernel's action cache skip the filter for them: the path
    // to ALLOW reads only nr and arch.
    model m;
    m.reprotect = m.unmap = m.discard = {{0x7f0000001000, 0x7f0000003000}};
    m.process_rules = true;
    auto c = compile(m.policy());
    ASSERT_TRUE(c->ok);
    seccomp_data data{};
    data.arch = AUDIT_ARCH_X86_64;
    data.nr = SYS_getpid;
    const sock_filter *code = c->program->instructions();
    unsigned pc = 0;
    uint32_t a = 0;
    for (;;) {  // the kernel's own const-allow walk: only nr/arch loads, K jumps, AND
        const sock_filter &in = code[pc];
        if (in.code == (BPF_LD | BPF_W | BPF_ABS)) {
            ASSERT_TRUE(in.k == offsetof(seccomp_data, nr) || in.k == offsetof(seccomp_data, arch));
            a = in.k == offsetof(seccomp_data, nr) ? static_cast<uint32_t>(data.nr) : data.arch;
            ++pc;
        } else if (in.code == (BPF_ALU | BPF_AND | BPF_K)) {
            a &= in.k;
            ++pc;
        } else if (in.code == (BPF_JMP | BPF_JA)) {
            pc += in.k + 1;
        } else if (BPF_CLASS(in.code) == BPF_JMP && BPF_SRC(in.code) == BPF_K) {
            bool taken = BPF_OP(in.code) == BPF_JEQ   ? a == in.k
                         : BPF_OP(in.code) == BPF_JGT ? a > in.k
                         : BPF_OP(in.code) == BPF_JGE ? a >= in.k
                                                      : (a & in.k) != 0;
            pc += (taken ? in.jt : in.jf) + 1;
        } else {
            ASSERT_EQ(in.code, BPF_RET | BPF_K) << "instruction " << pc << " is not constant";
            ASSERT_EQ(in.k, SECCOMP_RET_ALLOW);
            break;
        }
    }
}

// brk below the top of the sealed heap pages: the kernel refuses to unmap
// them and returns the current break. The filter sends exactly those calls
// to the exec guard (USER_NOTIF) or, in a plain filter, traps them when the
// image's own code makes them; brk(0) and any break at or above the top go
// through.
uint32_t break_action(const seal_filter_policy &policy, uint32_t arch, uint64_t addr, uint64_t ip = 0) {
    auto c = compile(policy);
    if (!c->ok) return 0xdead;
    seccomp_data data{};
    data.arch = arch;
    data.nr = arch == AUDIT_ARCH_I386 ? 45 : 12;
    data.args[0] = addr;
    data.instruction_pointer = ip;
    return sealkit_test::run_bpf(c->program->instructions(), c->program->length(), data);
}

TEST(SealFilterCompiler, BrkBelowTheSealedHeapTopGoesToTheListener) {
    for (const uint64_t top : {uint64_t{0x55d0c1005000}, uint64_t{0x08100000}, uint64_t{0x100000000}}) {
        const address_range sealed[] = {{top - 0x2000, top}};
        seal_filter_policy policy;
        policy.unmap = {sealed, 1};
        policy.refusal = SECCOMP_RET_USER_NOTIF;
        policy.sealed_heap_top = top;
        const uint32_t arches[] = {AUDIT_ARCH_X86_64, AUDIT_ARCH_I386};
        for (uint32_t arch : arches) {
            if (arch == AUDIT_ARCH_I386 && top > 0xffffffffu) continue;
            SCOPED_TRACE(testing::Message() << std::hex << "top " << top << " arch " << arch);
            EXPECT_EQ(break_action(policy, arch, 0), SECCOMP_RET_ALLOW) << "brk(0) asks for the break";
            EXPECT_EQ(break_action(policy, arch, top), SECCOMP_RET_ALLOW);
            EXPECT_EQ(break_action(policy, arch, top + 0x5000), SECCOMP_RET_ALLOW);
            EXPECT_EQ(break_action(policy, arch, top - 0xfff), SECCOMP_RET_ALLOW) << "rounds up to the top";
            EXPECT_EQ(break_action(policy, arch, top - 0x1000), SECCOMP_RET_USER_NOTIF);
            EXPECT_EQ(break_action(policy, arch, top - 0x2000), SECCOMP_RET_USER_NOTIF);
            EXPECT_EQ(break_action(policy, arch, 1), SECCOMP_RET_USER_NOTIF);
            if (top > 0x100001000)
                EXPECT_EQ(break_action(policy, arch, top - 0x100001000), SECCOMP_RET_USER_NOTIF) << "a lower 4 GiB window";
        }
    }
}

// The listener lock compiled into the guarded filter: seccomp(2) asking for
// a new listener gets EBUSY unless arguments 3 and 4 carry the token, on the
// native, x32 and i386 entry points; any other seccomp(2) call, and every
// call of a filter without the lock, goes through.
uint32_t seccomp_action(const seal_filter_policy &policy, uint32_t arch, uint32_t nr, uint64_t flags, uint64_t a3,
                        uint64_t a4) {
    auto c = compile(policy);
    if (!c->ok) return 0xdead;
    seccomp_data data{};
    data.arch = arch;
    data.nr = static_cast<int>(nr);
    data.args[0] = SECCOMP_SET_MODE_FILTER;
    data.args[1] = flags;
    data.args[3] = a3;
    data.args[4] = a4;
    return sealkit_test::run_bpf(c->program->instructions(), c->program->length(), data);
}

TEST(SealFilterCompiler, TheListenerLockRefusesNewListenersWithoutTheToken) {
    const address_range sealed[] = {{0x7f0000000000, 0x7f0000004000}};
    const uint64_t token[2] = {0x0123456789abcdefULL, 0xfedcba9876543210ULL};
    seal_filter_policy policy;
    policy.unmap = policy.reprotect = {sealed, 1};
    policy.refusal = SECCOMP_RET_USER_NOTIF;
    policy.process_rules = true;
    policy.listener_lock_token = token;
    const uint32_t busy = SECCOMP_RET_ERRNO | EBUSY;
    const uint64_t listener = SECCOMP_FILTER_FLAG_NEW_LISTENER;
    struct entry {
        uint32_t arch, nr;
    } entries[] = {{AUDIT_ARCH_X86_64, 317}, {AUDIT_ARCH_X86_64, 317 | 0x40000000u}, {AUDIT_ARCH_I386, 354}};
    for (const entry &e : entries) {
        SCOPED_TRACE(testing::Message() << std::hex << "arch " << e.arch << " nr " << e.nr);
        EXPECT_EQ(seccomp_action(policy, e.arch, e.nr, listener, 0, 0), busy);
        EXPECT_EQ(seccomp_action(policy, e.arch, e.nr, listener, token[0], token[1]), SECCOMP_RET_ALLOW);
        EXPECT_EQ(seccomp_action(policy, e.arch, e.nr, listener | SECCOMP_FILTER_FLAG_TSYNC, token[0], token[1]),
                  SECCOMP_RET_ALLOW);
        // One wrong 32-bit half of the token is enough to refuse.
        for (unsigned word = 0; word < 4; ++word) {
            uint64_t t[2] = {token[0], token[1]};
            t[word / 2] ^= uint64_t{1} << (32 * (word % 2) + 7);
            EXPECT_EQ(seccomp_action(policy, e.arch, e.nr, listener, t[0], t[1]), busy) << "word " << word;
        }
        EXPECT_EQ(seccomp_action(policy, e.arch, e.nr, 0, 0, 0), SECCOMP_RET_ALLOW) << "a filter without a listener";
        EXPECT_EQ(seccomp_action(policy, e.arch, e.nr, SECCOMP_FILTER_FLAG_TSYNC, 0, 0), SECCOMP_RET_ALLOW);
    }
    seal_filter_policy unlocked = policy;
    unlocked.listener_lock_token = nullptr;
    EXPECT_EQ(seccomp_action(unlocked, AUDIT_ARCH_X86_64, 317, listener, 0, 0), SECCOMP_RET_ALLOW);
}

TEST(SealFilterCompiler, BrkInAPlainFilterTrapsOnlyFromTheImagesCode) {
    const uint64_t top = 0x55d0c1005000;
    const address_range sealed[] = {{top - 0x2000, top}};
    const address_range code[] = {{0x7f1200000000, 0x7f1200200000}};
    seal_filter_policy policy;
    policy.unmap = {sealed, 1};
    policy.refusal = SECCOMP_RET_ERRNO | EPERM;
    policy.sealed_heap_top = top;
    // Without a handler to answer, an ERRNO refusal would corrupt glibc's
    // idea of the break: brk is left to the kernel.
    EXPECT_EQ(break_action(policy, AUDIT_ARCH_X86_64, top - 0x1000, 0x7f1200001000), SECCOMP_RET_ALLOW);
    policy.trap_break_from = {code, 1};
    EXPECT_EQ(break_action(policy, AUDIT_ARCH_X86_64, top - 0x1000, 0x7f1200001000), SECCOMP_RET_TRAP);
    EXPECT_EQ(break_action(policy, AUDIT_ARCH_X86_64, top - 0x1000, 0x7f1300001000), SECCOMP_RET_ALLOW)
        << "from code mapped elsewhere (an exec'd program): the kernel's answer";
    EXPECT_EQ(break_action(policy, AUDIT_ARCH_X86_64, top, 0x7f1200001000), SECCOMP_RET_ALLOW);
    EXPECT_EQ(break_action(policy, AUDIT_ARCH_X86_64, 0, 0x7f1200001000), SECCOMP_RET_ALLOW);
}

TEST(SealFilterCompiler, TooManyRangesFailsInsteadOfTruncating) {
    std::mt19937_64 random(5);
    model m;
    m.unmap = m.reprotect = random_ranges(random, 3000, false);
    auto c = compile(m.policy());
    EXPECT_FALSE(c->ok);
}

TEST(SealFilterCompiler, CapacityOfOneFilter) {
    // Report (and pin down) how many ranges one filter holds in the common
    // shapes; the backend starts from kRangesPerFilter and halves on failure.
    for (int shape = 0; shape < 2; ++shape) {
        size_t low = 1, high = 4000;
        while (low + 1 < high) {
            const size_t n = (low + high) / 2;
            std::mt19937_64 random(9);
            model m;
            m.unmap = m.reprotect = random_ranges(random, n, false);
            if (shape == 1) m.discard = m.unmap;
            auto c = compile(m.policy());
            (c->ok ? low : high) = n;
        }
        std::mt19937_64 random(9);
        model m;
        m.unmap = m.reprotect = random_ranges(random, low, false);
        if (shape == 1) m.discard = m.unmap;
        auto c = compile(m.policy());
        ASSERT_TRUE(c->ok);
        RecordProperty(shape == 0 ? "ranges_per_filter" : "ranges_per_filter_with_discard", std::to_string(low));
        std::printf("one filter holds %zu ranges (%s): %u classic instructions, %u once converted\n", low,
                    shape == 0 ? "seal" : "seal, discard refused too", c->program->length(),
                    c->program->kernel_length());
        EXPECT_GE(low, kRangesPerFilter);
    }
}

// The shape the compiler emits for the kernel's count (bpf_program.h):
// a scattered range (one per 32-page block) costs at most 6.5 converted
// instructions (two searches, for mremap's destination and for everything
// else, of about 3 each), wherever it lies in its 4 GiB window: with the
// upper half's constants compared relative to 2^31, no constant needs the
// kernel's extra instruction. Ranges packed into blocks (every other page
// here) cost under one: a block of up to 16 of them costs about 10.
TEST(SealFilterCompiler, ARangeCostsAboutSixConvertedInstructionsOrUnderOneInABlock) {
    for (const uint64_t base : {0x7e0000100000ull, 0x7e0080000000ull, 0x7e007ff00000ull}) {
        auto per_range = [&](size_t n, uint64_t stride) {
            std::vector<address_range> ranges;
            for (size_t i = 0; i < n; ++i)
                ranges.push_back({base + stride * i * kPage, base + (stride * i + 1) * kPage});
            seal_filter_policy policy;
            policy.reprotect = policy.unmap = policy.discard = {ranges.data(), ranges.size()};
            policy.refusal = kRefusal;
            auto c = compile(policy);
            EXPECT_TRUE(c->ok) << n << " ranges, stride " << stride;
            return c->ok ? static_cast<double>(c->program->kernel_length()) : 0.0;
        };
        const double scattered = (per_range(500, 64) - per_range(100, 64)) / 400;
        const double packed = (per_range(2000, 2) - per_range(100, 2)) / 1900;
        std::printf("base %#llx: %.2f converted instructions per scattered range, %.2f per packed range\n",
                    static_cast<unsigned long long>(base), scattered, packed);
        EXPECT_LE(scattered, 6.5) << "base " << std::hex << base;
        EXPECT_LE(packed, 1.0) << "base " << std::hex << base;
    }
}

// Runs `body` in a forked child; true when it exits 0.
template <typename function>
bool in_child(function body) {
    const pid_t pid = fork();
    if (pid == 0) _exit(body());
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

long install(const sock_filter *code, unsigned length) {
    sock_fprog fprog{static_cast<unsigned short>(length), const_cast<sock_filter *>(code)};
    return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) == 0 ? 0 : -errno;
}

// Fills the chain after `program` with filters of known converted length
// (loads and a return) until exactly `budget` of it is used, the last
// filter included; true when the kernel accepted them all.
bool program_then_budget_fits(const sock_filter *program, unsigned length, unsigned budget) {
    return in_child([=] {
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || install(program, length) != 0) return 2;
        static sock_filter filler[kMaxFilterInstructions];
        for (auto &in : filler) in = BPF_STMT(BPF_LD | BPF_IMM, 0);
        // One filler of n classic loads and a return converts to 3 + n + 2.
        unsigned left = budget;
        while (left > 0) {
            unsigned converted = left > 4100 ? 4100 : left;
            if (left > 4100 && left - 4100 < 4 + 5) converted = left - (4 + 5);  // leave room for a last one
            const unsigned loads = converted - 5;
            filler[loads] = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
            const long result = install(filler, loads + 1);
            filler[loads] = BPF_STMT(BPF_LD | BPF_IMM, 0);
            if (result != 0) return 1;
            left -= converted;
            if (left > 0) left -= left >= 4 ? 4 : left;  // the penalty of the filter just installed
        }
        return 0;
    });
}

// kernel_length() is what seccomp_attach_filter counts: with the program
// installed, fillers of exactly the rest of the 32,768 fit, one more
// instruction does not. (An upper bound where a JGT/JGE has jt == 0 and
// jf != 0, which newer kernels convert to one instruction: the difference
// is at most their number.)
TEST(SealFilterCompiler, KernelLengthIsWhatTheKernelCounts) {
    std::mt19937_64 random(3);
    model m;
    m.unmap = m.reprotect = random_ranges(random, 300, true);
    m.discard = random_dense_ranges(random, 40);  // block checks too
    m.process_rules = true;
    auto c = compile(m.policy());
    ASSERT_TRUE(c->ok);
    const sock_filter *code = c->program->instructions();
    const unsigned length = c->program->length();
    unsigned inverted = 0;  // jumps newer kernels may convert shorter
    for (unsigned i = 0; i < length; ++i)
        if (BPF_CLASS(code[i].code) == BPF_JMP && BPF_OP(code[i].code) != BPF_JA && code[i].jt == 0 && code[i].jf != 0 &&
            BPF_OP(code[i].code) != BPF_JEQ && BPF_OP(code[i].code) != BPF_JSET)
            ++inverted;
    const unsigned predicted = c->program->kernel_length();
    std::printf("%u classic instructions, %u converted (predicted), %u jumps newer kernels shorten\n", length,
                predicted, inverted);
    EXPECT_GT(predicted, length);
    // After the program: its length and the penalty; the rest is the fillers'.
    const unsigned rest = kMaxChainInstructions - predicted - kChainCostPerFilter;
    EXPECT_TRUE(program_then_budget_fits(code, length, rest)) << "the kernel counts more than predicted";
    EXPECT_FALSE(program_then_budget_fits(code, length, rest + inverted + 1))
        << "the kernel counts fewer than predicted, beyond the jumps it may shorten";
}

// The capacity target, in the kernel: 5,000 disjoint ranges sealed
// by one enforce() call (the backend packs them into as few filters as fit,
// the destination of mremap split off) hold: mprotect and munmap of the
// first and last range are refused, of the page between two ranges
// allowed, and mremap onto the last range, in both halves of a 4 GiB
// window. The real limit is a little above (about 5,050:
// seccomp_limits_bench, docs/seccomp-backend.md#limits).
TEST(SealFilterCompiler, FiveThousandRangesInOneCallHoldInTheKernel) {
    constexpr size_t kRanges = 5000;
    // Every other page (16 ranges to a 32-page bitmap check) and one page in
    // 64 (every range a leaf of its own: the layout that needs most filters).
    for (const size_t stride : {size_t{2}, size_t{64}})
    for (const uintptr_t base : {uintptr_t{0x7e0000100000}, uintptr_t{0x7e0080000000}}) {
        EXPECT_TRUE(in_child([base, stride] {
            void *mapped = mmap(reinterpret_cast<void *>(base), stride * kRanges * kPage, PROT_READ,
                                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
            if (mapped == MAP_FAILED) return 10;
            std::vector<address_range> ranges;
            for (size_t i = 0; i < kRanges; ++i)
                ranges.push_back({base + stride * i * kPage, base + (stride * i + 1) * kPage});
            const long sealed = enforce(ranges.data(), ranges.size(), kSealEnforcement);
            if (sealed != 0) {
                std::fprintf(stderr, "enforce of %zu ranges: %s\n", kRanges, strerror(static_cast<int>(-sealed)));
                return 11;
            }
            const enforcement_statistics s = statistics();
            std::fprintf(stderr, "%zu ranges at %#lx, one page in %zu: %zu filters\n", kRanges,
                         static_cast<unsigned long>(base), stride, s.filters);
            void *last = reinterpret_cast<void *>(ranges.back().start);
            void *between = reinterpret_cast<void *>(ranges.back().start - kPage);
            void *first = reinterpret_cast<void *>(ranges.front().start);
            if (mprotect(last, kPage, PROT_READ) == 0 || errno != EPERM) return 12;
            if (mprotect(first, kPage, PROT_READ) == 0 || errno != EPERM) return 13;
            if (munmap(last, kPage) == 0 || errno != EPERM) return 14;
            // mremap of an unsealed page onto the last range: the destination-only filters.
            void *spare = mmap(nullptr, kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (spare == MAP_FAILED) return 17;
            if (mremap(spare, kPage, kPage, MREMAP_MAYMOVE | MREMAP_FIXED, last) != MAP_FAILED || errno != EPERM)
                return 18;
            if (mprotect(between, kPage, PROT_READ) != 0) return 15;
            if (munmap(between, kPage) != 0) return 16;
            return 0;
        })) << "base " << std::hex << base << ", one page in " << std::dec << stride;
    }
}

}  // namespace
