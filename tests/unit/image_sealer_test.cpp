// seal_loaded_images: a second call in the same process reports what that
// call did, not what the first one did (the report entries are reused).
#include <gtest/gtest.h>

#include "backend/backend.h"
#include "startup/image_sealer.h"

namespace sealkit::startup {
namespace {

TEST(ImageSealer, ASecondCallReportsItsOwnWorkNotTheFirstCalls) {
    if (active_backend().kind == SEALKIT_BACKEND_NONE) GTEST_SKIP() << "no backend can seal here";
    sealkit_report first;
    ASSERT_EQ(seal_loaded_images(0, first), 0);
    unsigned moved = 0;
    for (unsigned i = 0; i < first.images; ++i) moved += first.image[i].relro_moved;
    EXPECT_GT(moved, 0u);
    EXPECT_GT(first.nanoseconds, 0);

    // Everything is sealed now: the RELRO cannot move again (EPERM, which
    // is not a failure), so no entry may say it moved.
    sealkit_report second;
    ASSERT_EQ(seal_loaded_images(0, second, false), 0);
    ASSERT_EQ(second.images, first.images);
    for (unsigned i = 0; i < second.images; ++i) {
        EXPECT_EQ(second.image[i].relro_moved, 0) << second.image[i].name;
        EXPECT_EQ(second.image[i].error, 0) << second.image[i].name;
    }
    EXPECT_EQ(second.nanoseconds, 0);  // not timed when not asked
}

}  // namespace
}  // namespace sealkit::startup
