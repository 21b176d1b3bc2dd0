// sealkit_mimmutable: OpenBSD's mimmutable(2) contract on mseal (sealkit.h):
// addr rounded down and len up to whole pages, holes skipped (every mapped
// page sealed, no ENOMEM), a wrapping range is EINVAL, len 0 does nothing.
#include <string>

#include "test_support.h"

namespace {

using namespace sealkit_test;

class Mimmutable : public KernelBackendTest {};

TEST_F(Mimmutable, UnalignedAddressIsRoundedDown) {
    char *p = map_pages(2, PROT_READ, 'a');
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(sealkit_mimmutable(p + 100, 10), 0) << strerror(errno);
    EXPECT_TRUE(FailsWith(attempt([&] { return mprotect(p, page(), PROT_READ); }), EPERM)) << "page p is sealed";
    EXPECT_TRUE(Succeeds(attempt([&] { return mprotect(p + page(), page(), PROT_READ); })))
        << "the next page is not";
    EXPECT_TRUE(Intact(p, 1, 'a', "r--p"));
}

TEST_F(Mimmutable, LengthIsRoundedUp) {
    char *p = map_pages(3, PROT_READ, 'l');
    ASSERT_NE(p, nullptr);
    // Two bytes straddling the first page boundary: pages 0 and 1.
    EXPECT_EQ(sealkit_mimmutable(p + page() - 1, 2), 0) << strerror(errno);
    EXPECT_TRUE(Intact(p, 2, 'l', "r--p"));
    EXPECT_TRUE(Intact(p + 2 * page(), 1, 'l', "r--p", false));

    char *q = map_pages(2, PROT_READ, 'm');
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(sealkit_mimmutable(q, page() + 1), 0) << strerror(errno);
    EXPECT_TRUE(Intact(q, 2, 'm', "r--p"));
}

TEST_F(Mimmutable, HolesAreSkippedAndStayMappable) {
    char *p = map_with_holes(5, {1, 3}, 'h');
    ASSERT_NE(p, nullptr);
    // sealkit_seal refuses the same range (mseal's contract)...
    EXPECT_TRUE(FailsWith(attempt([&] { return sealkit_seal(p, 5 * page(), 0); }), ENOMEM));
    // ...mimmutable seals the mapped parts.
    EXPECT_EQ(sealkit_mimmutable(p, 5 * page()), 0) << strerror(errno);
    for (size_t i : {0, 2, 4}) {
        SCOPED_TRACE("page " + std::to_string(i));
        EXPECT_TRUE(Intact(p + i * page(), 1, 'h', "rw-p"));
        EXPECT_TRUE(FailsWith(attempt([&] { return munmap(p + i * page(), page()); }), EPERM));
    }
    for (size_t i : {1, 3}) {
        SCOPED_TRACE("hole " + std::to_string(i));
        EXPECT_FALSE(is_mapped(p + i * page())) << "a hole must stay a hole";
        // Nothing reserves the hole: a fixed mapping can be placed there, and
        // it is not sealed.
        void *filled = mmap(p + i * page(), page(), PROT_READ | PROT_WRITE,
                            MAP_FIXED_NOREPLACE | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        EXPECT_EQ(filled, p + i * page()) << strerror(errno);
        EXPECT_FALSE(smaps_sealed(p + i * page()));
        EXPECT_TRUE(Succeeds(attempt([&] { return munmap(p + i * page(), page()); })));
    }
}

TEST_F(Mimmutable, RangeThatStartsAndEndsInHoles) {
    char *p = map_with_holes(3, {0, 2}, 'e');
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(sealkit_mimmutable(p + 5, 3 * page() - 10), 0) << strerror(errno);
    EXPECT_TRUE(Intact(p + page(), 1, 'e', "rw-p"));
    EXPECT_FALSE(is_mapped(p));
    EXPECT_FALSE(is_mapped(p + 2 * page()));
}

TEST_F(Mimmutable, EntirelyUnmappedRangeSealsNothingAndSucceeds) {
    char *p = unmapped_range(2);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(sealkit_mimmutable(p, 2 * page()), 0) << strerror(errno);
    EXPECT_FALSE(is_mapped(p));
    EXPECT_FALSE(is_mapped(p + page()));
}

TEST_F(Mimmutable, KeepsEachVmaProtection) {
    char *p = map_with_holes(4, {2}, 'k');
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(mprotect(p + page(), page(), PROT_READ), 0);
    ASSERT_EQ(mprotect(p + 3 * page(), page(), PROT_NONE), 0);
    EXPECT_EQ(sealkit_mimmutable(p, 4 * page()), 0) << strerror(errno);
    EXPECT_TRUE(Intact(p, 1, 'k', "rw-p"));
    EXPECT_TRUE(Intact(p + page(), 1, 'k', "r--p"));
    EXPECT_TRUE(Intact(p + 3 * page(), 1, 'k', "---p"));
}

TEST_F(Mimmutable, WrapAroundIsEinval) {
    char *p = map_pages(1, PROT_READ, 'w');
    ASSERT_NE(p, nullptr);
    const uintptr_t last_page = UINTPTR_MAX - page() + 1;
    struct wrap {
        const char *what;
        void *addr;
        size_t len;
    };
    for (wrap w : {wrap{"len SIZE_MAX", p, SIZE_MAX}, wrap{"len rounds past the top", p, SIZE_MAX - page() + 2},
                   wrap{"offset pushes len past SIZE_MAX", p + 100, SIZE_MAX - 50},
                   wrap{"end past the top", p, size_t(0) - addr_of(p) + page()},
                   wrap{"last page plus one", reinterpret_cast<void *>(last_page), 2 * page()},
                   wrap{"last page, unaligned", reinterpret_cast<void *>(last_page + 10), page()}}) {
        SCOPED_TRACE(w.what);
        EXPECT_TRUE(FailsWith(attempt([&] { return sealkit_mimmutable(w.addr, w.len); }), EINVAL));
    }
    EXPECT_TRUE(Intact(p, 1, 'w', "r--p", false)) << "nothing sealed";
}

TEST_F(Mimmutable, LengthZeroDoesNothing) {
    char *p = map_pages(1, PROT_READ, 'z');
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(sealkit_mimmutable(p, 0), 0);
    EXPECT_EQ(sealkit_mimmutable(p + 100, 0), 0);
    EXPECT_EQ(sealkit_mimmutable(nullptr, 0), 0);
    EXPECT_TRUE(Intact(p, 1, 'z', "r--p", false)) << "len 0 must not seal the page";
}

TEST_F(Mimmutable, AlreadySealedRangeAgainIsZero) {
    char *p = sealed_pages(2, PROT_READ, 'r');
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(sealkit_mimmutable(p, 2 * page()), 0) << strerror(errno);
    EXPECT_EQ(sealkit_mimmutable(p + 1, 1), 0) << strerror(errno);
    EXPECT_TRUE(Intact(p, 2, 'r', "r--p"));
}

TEST_F(Mimmutable, MixOfSealedUnsealedAndHoles) {
    char *p = map_with_holes(5, {3}, 'x');
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(sealkit_seal(p + page(), page(), 0), 0) << strerror(errno);
    EXPECT_EQ(sealkit_mimmutable(p, 5 * page()), 0) << strerror(errno);
    EXPECT_EQ(sealkit_is_sealed(p, 3 * page()), 1);
    EXPECT_EQ(sealkit_is_sealed(p + 4 * page(), page()), 1);
    EXPECT_FALSE(is_mapped(p + 3 * page()));
}

}  // namespace
