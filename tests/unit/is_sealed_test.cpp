// sealkit_is_sealed's contract (sealkit.h): 1 when every page of the range is
// sealed, 0 when one is not, -1/ENOMEM when part of the range is unmapped,
// -1/EINVAL for an unaligned start or a range that wraps, 1 for len 0; len is
// rounded up to pages. Checked against the kernel's own answer (EPERM from a
// same-protection mprotect, smaps "sl").
#include <string>

#include "test_support.h"

namespace {

using namespace sealkit_test;

class IsSealed : public KernelBackendTest {};

TEST_F(IsSealed, SealedRangeIsOne) {
    char *p = sealed_pages(2, PROT_READ, 's');
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(sealkit_is_sealed(p, 2 * page()), 1);
    EXPECT_EQ(sealkit_is_sealed(p, page()), 1);
    EXPECT_EQ(sealkit_is_sealed(p + page(), page()), 1);
}

TEST_F(IsSealed, UnsealedRangeIsZero) {
    char *p = map_pages(2, PROT_READ, 'u');
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(sealkit_is_sealed(p, 2 * page()), 0);
    EXPECT_EQ(sealkit_is_sealed(p, page()), 0);
}

TEST_F(IsSealed, PartlySealedRangeIsZeroButItsSealedPartIsOne) {
    char *p = map_pages(3, PROT_READ | PROT_WRITE, 'p');
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(sealkit_seal(p + page(), page(), 0), 0) << strerror(errno);
    EXPECT_EQ(sealkit_is_sealed(p, 3 * page()), 0);
    EXPECT_EQ(sealkit_is_sealed(p + page(), page()), 1);
    EXPECT_EQ(sealkit_is_sealed(p, 2 * page()), 0);
    EXPECT_EQ(sealkit_is_sealed(p + page(), 2 * page()), 0);
    EXPECT_EQ(sealkit_is_sealed(p, page()), 0);
    EXPECT_EQ(sealkit_is_sealed(p + 2 * page(), page()), 0);
}

TEST_F(IsSealed, HoleIsMinusOneWithEnomem) {
    char *p = map_with_holes(3, {1}, 'h');
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(sealkit_seal(p, page(), 0), 0) << strerror(errno);
    ASSERT_EQ(sealkit_seal(p + 2 * page(), page(), 0), 0) << strerror(errno);
    errno = 0;
    EXPECT_EQ(sealkit_is_sealed(p, 3 * page()), -1);
    EXPECT_EQ(errno, ENOMEM) << "sealed, hole, sealed";
    errno = 0;
    EXPECT_EQ(sealkit_is_sealed(p + page(), page()), -1);
    EXPECT_EQ(errno, ENOMEM) << "just the hole";
    errno = 0;
    EXPECT_EQ(sealkit_is_sealed(p, 2 * page()), -1);
    EXPECT_EQ(errno, ENOMEM) << "sealed, then a hole at the end";
    errno = 0;
    EXPECT_EQ(sealkit_is_sealed(p + page(), 2 * page()), -1);
    EXPECT_EQ(errno, ENOMEM) << "a hole at the start, then sealed";
}

TEST_F(IsSealed, HoleWinsOverAnUnsealedPage) {
    char *p = map_with_holes(3, {2}, 'h');
    ASSERT_NE(p, nullptr);
    errno = 0;
    EXPECT_EQ(sealkit_is_sealed(p, 3 * page()), -1) << "unsealed pages then a hole: -1/ENOMEM, not 0";
    EXPECT_EQ(errno, ENOMEM);
}

TEST_F(IsSealed, NullAndKernelAddressesAreUnmapped) {
    errno = 0;
    EXPECT_EQ(sealkit_is_sealed(nullptr, page()), -1);
    EXPECT_EQ(errno, ENOMEM);
    errno = 0;
    EXPECT_EQ(sealkit_is_sealed(reinterpret_cast<void *>(0xffff800000000000UL), page()), -1);
    EXPECT_EQ(errno, ENOMEM);
}

TEST_F(IsSealed, LengthZeroIsOne) {
    EXPECT_EQ(sealkit_is_sealed(nullptr, 0), 1);
    char *p = map_pages(1, PROT_READ, 'z');
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(sealkit_is_sealed(p, 0), 1) << "an empty range has no unsealed page, even in unsealed memory";
}

TEST_F(IsSealed, UnalignedStartIsEinval) {
    char *p = sealed_pages(1, PROT_READ, 'a');
    ASSERT_NE(p, nullptr);
    for (size_t offset : {size_t(1), page() / 2, page() - 1}) {
        SCOPED_TRACE("offset " + std::to_string(offset));
        errno = 0;
        EXPECT_EQ(sealkit_is_sealed(p + offset, 1), -1);
        EXPECT_EQ(errno, EINVAL);
    }
}

TEST_F(IsSealed, WrappingRangeIsEinval) {
    char *p = sealed_pages(1, PROT_READ, 'w');
    ASSERT_NE(p, nullptr);
    for (size_t len : {SIZE_MAX, SIZE_MAX - page() + 2, size_t(0) - addr_of(p) + page()}) {
        SCOPED_TRACE("len " + std::to_string(len));
        errno = 0;
        EXPECT_EQ(sealkit_is_sealed(p, len), -1);
        EXPECT_EQ(errno, EINVAL);
    }
}

TEST_F(IsSealed, LengthRoundsUpToPages) {
    char *p = map_pages(2, PROT_READ, 'r');
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(sealkit_seal(p, page(), 0), 0) << strerror(errno);
    EXPECT_EQ(sealkit_is_sealed(p, 1), 1);
    EXPECT_EQ(sealkit_is_sealed(p, page() + 1), 0) << "one byte into the unsealed second page";
}

TEST_F(IsSealed, TwoSeparatelySealedAdjacentVmasAreOne) {
    char *p = map_pages(2, PROT_READ | PROT_WRITE, 'v');
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(mprotect(p + page(), page(), PROT_READ), 0);  // two VMAs that cannot merge
    ASSERT_EQ(sealkit_seal(p, page(), 0), 0) << strerror(errno);
    ASSERT_EQ(sealkit_seal(p + page(), page(), 0), 0) << strerror(errno);
    ASSERT_EQ(vma_at(p)->end, addr_of(p + page())) << "expected two adjacent VMAs";
    ASSERT_EQ(vma_at(p + page())->start, addr_of(p + page()));
    EXPECT_EQ(sealkit_is_sealed(p, 2 * page()), 1);
}

TEST_F(IsSealed, SealedVmaNextToAnUnsealedOneEndsAtTheBoundary) {
    char *p = map_pages(3, PROT_READ, 'b');
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(sealkit_seal(p, 2 * page(), 0), 0) << strerror(errno);
    EXPECT_EQ(sealkit_is_sealed(p, 2 * page()), 1);
    EXPECT_EQ(sealkit_is_sealed(p + page(), page()), 1);
    EXPECT_EQ(sealkit_is_sealed(p + page(), 2 * page()), 0);
}

TEST_F(IsSealed, SeesSealsMadeWithoutSealkit) {
    char *p = map_pages(1, PROT_READ, 'k');
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(raw_mseal(p, page(), 0), 0) << strerror(errno);
    EXPECT_EQ(sealkit_is_sealed(p, page()), 1);
}

// Every sub-range of a patchwork of sealed and unsealed pages (with
// different protections, so several VMAs): the answer must be 1 exactly
// when the kernel refuses a same-protection mprotect on every page.
TEST_F(IsSealed, AgreesWithTheKernelOnEverySubRange) {
    const std::string pattern = "SSuSuuSS";  // S: sealed
    const size_t n = pattern.size();
    char *p = map_pages(n, PROT_READ | PROT_WRITE, 'x');
    ASSERT_NE(p, nullptr);
    for (size_t i = 0; i < n; ++i) {
        if (i % 3 == 1) {
            ASSERT_EQ(mprotect(p + i * page(), page(), PROT_READ), 0);
        }
        if (pattern[i] == 'S') {
            ASSERT_EQ(sealkit_seal(p + i * page(), page(), 0), 0) << strerror(errno);
        }
    }
    std::vector<bool> kernel_sealed(n);
    for (size_t i = 0; i < n; ++i) {
        const int prot = i % 3 == 1 ? PROT_READ : PROT_READ | PROT_WRITE;
        sys_result r = attempt([&] { return mprotect(p + i * page(), page(), prot); });
        kernel_sealed[i] = r.value == -1 && r.error == EPERM;
        ASSERT_EQ(kernel_sealed[i], pattern[i] == 'S') << "page " << i << ": " << describe(r);
    }
    for (size_t first = 0; first < n; ++first) {
        for (size_t count = 1; first + count <= n; ++count) {
            bool all = true;
            for (size_t i = first; i < first + count; ++i) all = all && kernel_sealed[i];
            EXPECT_EQ(sealkit_is_sealed(p + first * page(), count * page()), all ? 1 : 0)
                << "pages [" << first << ", " << first + count << ")";
        }
    }
}

// A sealed page inside a large sealed VMA (the answer must not depend on
// the range lining up with VMA boundaries).
TEST_F(IsSealed, RangeInsideALargeSealedVma) {
    char *p = sealed_pages(64, PROT_READ, 'L');
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(sealkit_is_sealed(p + 10 * page(), 5 * page()), 1);
    EXPECT_EQ(sealkit_is_sealed(p + 63 * page(), 1), 1);
}

}  // namespace
