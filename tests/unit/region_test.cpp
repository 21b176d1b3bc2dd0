// The C++ API (sealkit.hpp): std::error_code results for every errno of the
// C contract, is_sealed's error reporting, and sealkit::region's ownership
// rules (unmapped by its destructor until sealed, the process's forever
// after).
#include <signal.h>

#include <cstddef>
#include <span>
#include <string>
#include <system_error>
#include <utility>

#include "sealkit/sealkit.hpp"
#include "test_support.h"

namespace {

using namespace sealkit_test;

std::span<std::byte> span_of(char *p, size_t len) { return {reinterpret_cast<std::byte *>(p), len}; }

class CxxApi : public KernelBackendTest {};

TEST_F(CxxApi, SealReturnsEmptyErrorCodeOnSuccess) {
    char *p = map_pages(2, PROT_READ, 'c');
    ASSERT_NE(p, nullptr);
    EXPECT_FALSE(sealkit::seal(span_of(p, page())));
    EXPECT_FALSE(sealkit::seal(p + page(), page()));
    EXPECT_TRUE(Intact(p, 2, 'c', "r--p"));
    EXPECT_FALSE(sealkit::seal(nullptr, 0)) << "len 0 is success, even for NULL";
    EXPECT_FALSE(sealkit::seal(std::span<std::byte>{})) << "an empty span is success";
}

TEST_F(CxxApi, SealErrorsAreGenericErrnoValues) {
    char *p = map_with_holes(3, {1}, 'e');
    ASSERT_NE(p, nullptr);

    std::error_code unaligned = sealkit::seal(p + 1, page());
    EXPECT_EQ(unaligned, std::errc::invalid_argument);
    EXPECT_EQ(unaligned.category(), std::generic_category());
    EXPECT_EQ(unaligned.value(), EINVAL);

    EXPECT_EQ(sealkit::seal(p, page(), 1), std::errc::invalid_argument) << "flags != 0";
    EXPECT_EQ(sealkit::seal(p, SIZE_MAX), std::errc::invalid_argument) << "len rounds to 0";
    EXPECT_EQ(sealkit::seal(span_of(p + 1, page())), std::errc::invalid_argument);

    std::error_code hole = sealkit::seal(span_of(p, 3 * page()));
    EXPECT_EQ(hole, std::errc::not_enough_memory);
    EXPECT_EQ(hole.value(), ENOMEM);
    EXPECT_EQ(sealkit::seal(p, 3 * page()), std::errc::not_enough_memory);
    EXPECT_EQ(sealkit_is_sealed(p, page()), 0) << "nothing sealed";
}

TEST_F(CxxApi, MimmutableOverloads) {
    char *p = map_with_holes(3, {1}, 'm');
    ASSERT_NE(p, nullptr);
    EXPECT_FALSE(sealkit::mimmutable(span_of(p, 3 * page()))) << "holes are skipped";
    EXPECT_TRUE(Intact(p, 1, 'm', "rw-p"));
    EXPECT_TRUE(Intact(p + 2 * page(), 1, 'm', "rw-p"));

    char *q = map_pages(1, PROT_READ, 'n');
    ASSERT_NE(q, nullptr);
    EXPECT_FALSE(sealkit::mimmutable(q + 10, 1)) << "rounded down";
    EXPECT_TRUE(Intact(q, 1, 'n', "r--p"));
    EXPECT_EQ(sealkit::mimmutable(q, SIZE_MAX), std::errc::invalid_argument);
}

TEST_F(CxxApi, IsSealedReportsErrorsThroughTheErrorCode) {
    char *p = map_with_holes(3, {2}, 'i');
    ASSERT_NE(p, nullptr);
    ASSERT_FALSE(sealkit::seal(p, page()));

    std::error_code ec = std::make_error_code(std::errc::io_error);  // must be overwritten
    EXPECT_TRUE(sealkit::is_sealed(span_of(p, page()), ec));
    EXPECT_FALSE(ec);

    ec = std::make_error_code(std::errc::io_error);
    EXPECT_FALSE(sealkit::is_sealed(p, 2 * page(), ec)) << "partly sealed";
    EXPECT_FALSE(ec) << "0 is an answer, not an error";

    EXPECT_FALSE(sealkit::is_sealed(span_of(p, 3 * page()), ec));
    EXPECT_EQ(ec, std::errc::not_enough_memory) << "a hole";

    EXPECT_FALSE(sealkit::is_sealed(p + 1, page(), ec));
    EXPECT_EQ(ec, std::errc::invalid_argument) << "unaligned";

    EXPECT_TRUE(sealkit::is_sealed(nullptr, 0, ec)) << "len 0";
    EXPECT_FALSE(ec);
}

TEST_F(CxxApi, BackendAndVersionQueries) {
    EXPECT_EQ(sealkit::active_backend(), sealkit::backend_kind::kernel);
    EXPECT_EQ(sealkit::backend_name(), "kernel");
    EXPECT_EQ(sealkit::backend_reason(), std::string_view(sealkit_backend_reason()));
    EXPECT_FALSE(sealkit::backend_reason().empty());
    const std::string expected = std::to_string(SEALKIT_VERSION_MAJOR) + "." + std::to_string(SEALKIT_VERSION_MINOR) +
                                 "." + std::to_string(SEALKIT_VERSION_PATCH);
    EXPECT_EQ(sealkit::version(), expected);
}

// ---------------------------------------------------------------------------
// sealkit::region

class Region : public KernelBackendTest {};

TEST_F(Region, MapsZeroedReadWriteMemory) {
    const size_t size = 2 * page() + 100;
    sealkit::region r(size);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_FALSE(r.error());
    EXPECT_EQ(r.size(), size);
    EXPECT_EQ(r.bytes().data(), r.data());
    EXPECT_EQ(r.bytes().size(), size);
    EXPECT_EQ(addr_of(r.data()) % page(), 0u) << "page aligned";
    EXPECT_FALSE(r.sealed());
    char *p = reinterpret_cast<char *>(r.data());
    EXPECT_TRUE(Intact(p, 3, '\0', "rw-p", false)) << "three zeroed, writable, unsealed pages";
    memset(p, 'w', size);
    EXPECT_EQ(p[size - 1], 'w');
}

TEST_F(Region, DestructorUnmapsAnUnsealedRegion) {
    char *p = nullptr;
    {
        sealkit::region r(2 * page());
        ASSERT_TRUE(r);
        p = reinterpret_cast<char *>(r.data());
        ASSERT_TRUE(is_mapped(p));
    }
    EXPECT_FALSE(is_mapped(p));
    EXPECT_FALSE(is_mapped(p + page()));
}

TEST_F(Region, SealedRegionOutlivesItsObject) {
    char *p = nullptr;
    {
        sealkit::region r(2 * page());
        ASSERT_TRUE(r);
        p = reinterpret_cast<char *>(r.data());
        memset(p, 's', 2 * page());
        ASSERT_FALSE(r.seal());
        EXPECT_TRUE(r.sealed());
        EXPECT_EQ(r.data(), reinterpret_cast<std::byte *>(p)) << "data() stays valid";
    }
    EXPECT_TRUE(Intact(p, 2, 's', "rw-p")) << "still mapped, writable and sealed after the destructor";
    EXPECT_TRUE(FailsWith(attempt([&] { return munmap(p, 2 * page()); }), EPERM));
    p[0] = 'x';  // seal() keeps the protection: still writable
    EXPECT_EQ(p[0], 'x');
}

TEST_F(Region, SealReadOnlyMakesItReadOnlyAndSealed) {
    char *p = nullptr;
    {
        sealkit::region r(page());
        ASSERT_TRUE(r);
        p = reinterpret_cast<char *>(r.data());
        memset(p, 'r', page());
        ASSERT_FALSE(r.seal_read_only());
        EXPECT_TRUE(r.sealed());
        EXPECT_TRUE(Intact(p, 1, 'r', "r--p"));
        EXPECT_TRUE(FailsWith(attempt([&] { return mprotect(p, page(), PROT_READ | PROT_WRITE); }), EPERM));
        EXPECT_FALSE(r.seal_read_only()) << "calling it again is a no-op";
        EXPECT_FALSE(r.seal()) << "sealing again is 0";
    }
    EXPECT_TRUE(Intact(p, 1, 'r', "r--p")) << "the destructor leaves it alone";
}

TEST_F(Region, WriteAfterSealReadOnlyIsKilledBySigsegv) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    // Control: before sealing the same write is fine.
    sealkit::region writable(page());
    ASSERT_TRUE(writable);
    writable.data()[0] = std::byte{1};
    EXPECT_EXIT(
        {
            sealkit::region r(page());
            if (!r || r.seal_read_only()) _exit(3);  // would be a different death: exit code 3
            *reinterpret_cast<volatile char *>(r.data()) = 'x';
            _exit(4);
        },
        ::testing::KilledBySignal(SIGSEGV), "");
}

TEST_F(Region, SealReadOnlyAfterAPlainSealIsOperationNotPermitted) {
    sealkit::region r(page());
    ASSERT_TRUE(r);
    char *p = reinterpret_cast<char *>(r.data());
    memset(p, 'p', page());
    ASSERT_FALSE(r.seal());
    EXPECT_EQ(r.seal_read_only(), std::errc::operation_not_permitted);
    EXPECT_TRUE(Intact(p, 1, 'p', "rw-p")) << "still read-write: it can never become read-only";
    EXPECT_TRUE(r.sealed());
}

TEST_F(Region, MoveConstructionTransfersOwnership) {
    char *p = nullptr;
    {
        sealkit::region a(page());
        ASSERT_TRUE(a);
        p = reinterpret_cast<char *>(a.data());
        {
            sealkit::region b(std::move(a));
            EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): moved-from must be empty
            EXPECT_EQ(a.data(), nullptr);
            EXPECT_EQ(a.size(), 0u);
            EXPECT_FALSE(a.sealed());
            EXPECT_EQ(b.data(), reinterpret_cast<std::byte *>(p));
            EXPECT_EQ(b.size(), page());
        }
        EXPECT_FALSE(is_mapped(p)) << "the new owner unmapped it";
    }
    // The moved-from object's destructor ran too; nothing else was unmapped
    // (it must not try to unmap p again: p may be reused by now).
}

TEST_F(Region, MovedFromObjectDoesNotUnmap) {
    sealkit::region b;
    char *p = nullptr;
    {
        sealkit::region a(page());
        ASSERT_TRUE(a);
        p = reinterpret_cast<char *>(a.data());
        b = sealkit::region(std::move(a));
    }
    EXPECT_TRUE(is_mapped(p)) << "destroying the moved-from object must leave the mapping to its new owner";
    EXPECT_EQ(b.data(), reinterpret_cast<std::byte *>(p));
}

TEST_F(Region, MoveAssignmentReleasesTheOldMappingAndTransfers) {
    sealkit::region a(page());
    sealkit::region b(page());
    ASSERT_TRUE(a);
    ASSERT_TRUE(b);
    char *pa = reinterpret_cast<char *>(a.data());
    char *pb = reinterpret_cast<char *>(b.data());
    b = std::move(a);
    EXPECT_FALSE(is_mapped(pb)) << "b's old, unsealed mapping is released";
    EXPECT_EQ(b.data(), reinterpret_cast<std::byte *>(pa));
    EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(a.size(), 0u);
    EXPECT_TRUE(is_mapped(pa));
}

TEST_F(Region, MoveAssignmentCarriesTheSealedState) {
    char *p = nullptr;
    {
        sealkit::region a(page());
        ASSERT_TRUE(a);
        p = reinterpret_cast<char *>(a.data());
        memset(p, 'c', page());
        ASSERT_FALSE(a.seal_read_only());
        sealkit::region b;
        b = std::move(a);
        EXPECT_TRUE(b.sealed());
        EXPECT_FALSE(b.seal_read_only()) << "read-only state moved too";
        EXPECT_FALSE(a.sealed());  // NOLINT(bugprone-use-after-move)
    }
    EXPECT_TRUE(Intact(p, 1, 'c', "r--p"));
}

TEST_F(Region, SelfMoveAssignmentKeepsTheRegion) {
    sealkit::region a(page());
    ASSERT_TRUE(a);
    std::byte *p = a.data();
    sealkit::region &alias = a;
    a = std::move(alias);
    EXPECT_EQ(a.data(), p);
    EXPECT_TRUE(is_mapped(p));
}

TEST_F(Region, ZeroSizeIsAnErrorAndEmpty) {
    sealkit::region r(0);
    EXPECT_FALSE(r);
    EXPECT_EQ(r.data(), nullptr);
    EXPECT_EQ(r.size(), 0u);
    EXPECT_EQ(r.error(), std::errc::invalid_argument);
    EXPECT_TRUE(r.seal()) << "an empty region cannot be sealed";
    EXPECT_TRUE(r.seal_read_only());
}

TEST_F(Region, ImpossibleSizeIsAnErrorAndEmpty) {
    sealkit::region r(SIZE_MAX - page());
    EXPECT_FALSE(r);
    EXPECT_EQ(r.data(), nullptr);
    EXPECT_EQ(r.size(), 0u);
    EXPECT_EQ(r.error(), std::errc::not_enough_memory);
}

TEST_F(Region, DefaultConstructedIsEmpty) {
    sealkit::region r;
    EXPECT_FALSE(r);
    EXPECT_EQ(r.data(), nullptr);
    EXPECT_FALSE(r.error());
    EXPECT_EQ(r.seal(), std::errc::bad_address);
}

}  // namespace
