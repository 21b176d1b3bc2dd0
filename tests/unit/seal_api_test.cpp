// sealkit_seal's contract (sealkit.h) on the kernel backend: every errno, in
// the kernel's order, page rounding, "nothing sealed" on failure, and that
// sealkit answers exactly what the raw mseal(2) system call answers for the
// same inputs (each case runs on two identical fresh layouts, one for each).
#include <functional>
#include <string>
#include <vector>

#include "test_support.h"

namespace {

using namespace sealkit_test;

constexpr uintptr_t kKernelAddress = 0xffff800000000000UL;  // x86_64/arm64 kernel half

struct seal_case {
    const char *name;
    size_t pages;                // fresh mapping of this many pages (0: none)
    std::vector<size_t> holes;   // pages unmapped again
    std::function<uintptr_t(uintptr_t base)> addr;
    std::function<size_t(uintptr_t base)> len;
    unsigned long flags;
    int expected_errno;          // 0: success
    std::string expected_state;  // per page: 'S' sealed, 'u' mapped and unsealed, '-' hole
};

std::ostream &operator<<(std::ostream &out, const seal_case &c) { return out << c.name; }

auto at(size_t page_index, size_t extra = 0) {
    return [=](uintptr_t base) { return base + page_index * page() + extra; };
}
auto fixed(uintptr_t address) {
    return [=](uintptr_t) { return address; };
}
auto bytes(size_t n) {
    return [=](uintptr_t) { return n; };
}
auto pages(size_t n, size_t extra = 0) {
    return [=](uintptr_t) { return n * page() + extra; };
}

std::vector<seal_case> seal_cases() {
    const size_t pg = page();
    return {
        // 1. flags != 0 -> EINVAL (checked first: before alignment, length and holes)
        {"FlagsOne", 1, {}, at(0), pages(1), 1, EINVAL, "u"},
        {"FlagsHighBit", 1, {}, at(0), pages(1), 1UL << 63, EINVAL, "u"},
        {"FlagsWithLengthZero", 0, {}, fixed(0), bytes(0), 1, EINVAL, ""},
        {"FlagsWithHole", 3, {1}, at(0), pages(3), 2, EINVAL, "u-u"},
        // 2. unaligned addr -> EINVAL (before the length checks)
        {"UnalignedByOne", 2, {}, at(0, 1), pages(1), 0, EINVAL, "uu"},
        {"UnalignedByHalfAPage", 2, {}, at(0, pg / 2), pages(1), 0, EINVAL, "uu"},
        {"UnalignedWithLengthZero", 1, {}, at(0, 1), bytes(0), 0, EINVAL, "u"},
        {"UnalignedWithHole", 3, {1}, at(0, 8), pages(3), 0, EINVAL, "u-u"},
        // 3. a length that rounds to 0 or a range that wraps -> EINVAL
        {"LengthSizeMax", 1, {}, at(0), bytes(SIZE_MAX), 0, EINVAL, "u"},
        {"LengthRoundsToZero", 1, {}, at(0), bytes(SIZE_MAX - pg + 2), 0, EINVAL, "u"},
        {"LengthLargestPageMultiple", 1, {}, at(0), bytes(SIZE_MAX - pg + 1), 0, EINVAL, "u"},
        {"EndWrapsPastZero", 1, {}, at(0), [](uintptr_t base) { return size_t(0) - base + page(); }, 0, EINVAL,
         "u"},
        {"EndWrapsToExactlyZero", 1, {}, at(0), [](uintptr_t base) { return size_t(0) - base; }, 0, EINVAL, "u"},
        {"NullWithLengthSizeMax", 0, {}, fixed(0), bytes(SIZE_MAX), 0, EINVAL, ""},
        // 4. len == 0 -> 0, nothing done, even for NULL
        {"NullLengthZero", 0, {}, fixed(0), bytes(0), 0, 0, ""},
        {"MappedLengthZero", 1, {}, at(0), bytes(0), 0, 0, "u"},
        {"UnmappedLengthZero", 3, {1}, at(1), bytes(0), 0, 0, "u-u"},
        {"KernelAddressLengthZero", 0, {}, fixed(kKernelAddress), bytes(0), 0, 0, ""},
        // 5. any unmapped page -> ENOMEM, nothing sealed
        {"NullPage", 0, {}, fixed(0), pages(1), 0, ENOMEM, ""},
        {"HoleInTheMiddle", 3, {1}, at(0), pages(3), 0, ENOMEM, "u-u"},
        {"HoleAtTheStart", 3, {0}, at(0), pages(3), 0, ENOMEM, "-uu"},
        {"RunsPastTheEnd", 3, {2}, at(0), pages(3), 0, ENOMEM, "uu-"},
        {"OneByteIntoAHole", 3, {2}, at(0), pages(2, 1), 0, ENOMEM, "uu-"},
        {"EntirelyUnmapped", 3, {1}, at(1), pages(1), 0, ENOMEM, "u-u"},
        {"KernelAddress", 0, {}, fixed(kKernelAddress), pages(1), 0, ENOMEM, ""},
        // Success: len rounded up to whole pages.
        {"OneByteSealsTheWholePage", 2, {}, at(0), bytes(1), 0, 0, "Su"},
        {"PagePlusOneByteSealsTwoPages", 3, {}, at(0), pages(1, 1), 0, 0, "SSu"},
        {"WholeMapping", 3, {}, at(0), pages(3), 0, 0, "SSS"},
        {"MiddlePage", 3, {}, at(1), pages(1), 0, 0, "uSu"},
        {"ExactlyTheSecondPage", 2, {}, at(1), bytes(pg), 0, 0, "uS"},
    };
}

// A fresh layout for a case: `pages` pages filled with 'L'. Both layouts of
// a case are mapped before either gets its holes, so that the second is
// never placed into the first one's hole.
uintptr_t map_layout(const seal_case &c) {
    if (c.pages == 0) return 0;
    char *p = map_pages(c.pages, PROT_READ | PROT_WRITE, 'L');
    return p == nullptr ? 0 : addr_of(p);
}

void punch_holes(const seal_case &c, uintptr_t base) {
    for (size_t hole : c.holes) munmap(reinterpret_cast<char *>(base) + hole * page(), page());
}

// The layout's state, from smaps, cross-checked with the mremap probe.
std::string layout_state(const seal_case &c, uintptr_t base) {
    std::string state;
    for (size_t i = 0; i < c.pages; ++i) {
        char *pg = reinterpret_cast<char *>(base + i * page());
        auto v = vma_at(pg);
        if (!v) {
            state += '-';
            continue;
        }
        bool sealed = v->sealed;
        EXPECT_EQ(sealed, mremap_probe_sealed(pg, page())) << "smaps and the mremap probe disagree on page " << i;
        state += sealed ? 'S' : 'u';
    }
    return state;
}

class SealErrnoTable : public KernelBackendTest, public ::testing::WithParamInterface<seal_case> {};

TEST_P(SealErrnoTable, MatchesTheContractAndTheRawSystemCall) {
    const seal_case &c = GetParam();
    uintptr_t for_sealkit = map_layout(c);
    uintptr_t for_kernel = map_layout(c);
    if (c.pages != 0) {
        ASSERT_NE(for_sealkit, 0u);
        ASSERT_NE(for_kernel, 0u);
    }
    punch_holes(c, for_sealkit);
    punch_holes(c, for_kernel);
    const sys_result expected{c.expected_errno == 0 ? 0 : -1, c.expected_errno};

    sys_result sealkit = attempt([&] {
        return sealkit_seal(reinterpret_cast<void *>(c.addr(for_sealkit)), c.len(for_sealkit), c.flags);
    });
    sys_result kernel = attempt([&] {
        return raw_mseal(reinterpret_cast<void *>(c.addr(for_kernel)), c.len(for_kernel), c.flags);
    });

    EXPECT_EQ(kernel, expected) << "the kernel itself (this documents mseal(2); a failure here is not sealkit's)";
    EXPECT_EQ(sealkit, expected) << "sealkit_seal";
    EXPECT_EQ(sealkit, kernel) << "sealkit_seal must answer what mseal(2) answers";
    EXPECT_EQ(layout_state(c, for_sealkit), c.expected_state) << "after sealkit_seal";
    EXPECT_EQ(layout_state(c, for_kernel), c.expected_state) << "after mseal(2)";
}

INSTANTIATE_TEST_SUITE_P(Kernel, SealErrnoTable, ::testing::ValuesIn(seal_cases()),
                         [](const ::testing::TestParamInfo<seal_case> &param_info) { return std::string(param_info.param.name); });

class SealApi : public KernelBackendTest {};

TEST_F(SealApi, EnomemSealsNothing) {
    char *p = map_with_holes(4, {2}, 'E');
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(FailsWith(attempt([&] { return sealkit_seal(p, 4 * page(), 0); }), ENOMEM));
    EXPECT_EQ(sealkit_is_sealed(p, 2 * page()), 0);
    EXPECT_EQ(sealkit_is_sealed(p + 3 * page(), page()), 0);
    // The mapped parts can still be changed and unmapped.
    EXPECT_TRUE(Succeeds(attempt([&] { return mprotect(p, 2 * page(), PROT_READ); })));
    EXPECT_TRUE(Succeeds(attempt([&] { return mprotect(p + 3 * page(), page(), PROT_READ); })));
    EXPECT_TRUE(Succeeds(attempt([&] { return munmap(p + 3 * page(), page()); })));
    EXPECT_FALSE(is_mapped(p + 2 * page())) << "the hole must not have been filled";
}

TEST_F(SealApi, LengthRoundsUpToWholePages) {
    char *p = map_pages(2, PROT_READ | PROT_WRITE, 'r');
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(sealkit_seal(p, 1, 0), 0) << strerror(errno);
    EXPECT_TRUE(FailsWith(attempt([&] { return mprotect(p, page(), PROT_READ); }), EPERM))
        << "sealing one byte seals its whole page";
    EXPECT_TRUE(Succeeds(attempt([&] { return mprotect(p + page(), page(), PROT_READ); })))
        << "the next page is not sealed";
    EXPECT_EQ(sealkit_is_sealed(p, page()), 1);
    EXPECT_EQ(sealkit_is_sealed(p + page(), page()), 0);
}

TEST_F(SealApi, SealingTwiceReturnsZero) {
    char *p = map_pages(1, PROT_READ, 't');
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(sealkit_seal(p, page(), 0), 0) << strerror(errno);
    EXPECT_EQ(sealkit_seal(p, page(), 0), 0) << strerror(errno);
    EXPECT_EQ(raw_mseal(p, page(), 0), 0) << "the kernel agrees: " << strerror(errno);
    EXPECT_TRUE(Intact(p, 1, 't', "r--p"));
}

TEST_F(SealApi, AnyKindOfMappingCanBeSealed) {
    int fd = temp_file(1, 'f');
    ASSERT_GE(fd, 0);
    struct kind {
        const char *name;
        int prot;
        int flags;
        int fd;
    };
    for (kind k : {kind{"PROT_NONE anonymous", PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1},
                   kind{"shared anonymous", PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1},
                   kind{"private file", PROT_READ, MAP_PRIVATE, fd}, kind{"shared file", PROT_READ, MAP_SHARED, fd},
                   kind{"executable", PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1}}) {
        SCOPED_TRACE(k.name);
        void *p = mmap(nullptr, page(), k.prot, k.flags, k.fd, 0);
        ASSERT_NE(p, MAP_FAILED) << strerror(errno);
        EXPECT_EQ(sealkit_seal(p, page(), 0), 0) << strerror(errno);
        EXPECT_TRUE(smaps_sealed(p));
        EXPECT_TRUE(FailsWith(attempt([&] { return munmap(p, page()); }), EPERM));
    }
    close(fd);
}

// The contract says errno is set on failure; it must also be the only
// channel (the return value is exactly -1).
TEST_F(SealApi, FailureReturnsMinusOne) {
    errno = 0;
    EXPECT_EQ(sealkit_seal(reinterpret_cast<void *>(1), page(), 0), -1);
    EXPECT_EQ(errno, EINVAL);
    errno = 0;
    EXPECT_EQ(sealkit_seal(nullptr, page(), 0), -1);
    EXPECT_EQ(errno, ENOMEM);
}

}  // namespace
