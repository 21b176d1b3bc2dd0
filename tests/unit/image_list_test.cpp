// image_list: enumeration fills storage the caller lends and moves to the
// heap only when it is full, listing the same objects either way.
#include <gtest/gtest.h>
#include <string.h>

#include "startup/loaded_image.h"

namespace sealkit::startup {
namespace {

TEST(ImageList, StaysInLentStorageWhenItFits) {
    loaded_image lent[64];
    image_list list{lent, 0, 64, false};
    ASSERT_EQ(enumerate_loaded_images(list), 0);
    EXPECT_GT(list.count, 3u);  // this program, libc, ld.so, the vDSO at least
    EXPECT_EQ(list.items, lent);
    EXPECT_FALSE(list.items_on_heap);
    release(list);  // must not free lent storage
    EXPECT_EQ(list.items, nullptr);
}

TEST(ImageList, MovesToTheHeapWhenLentStorageIsFullAndListsTheSameObjects) {
    image_list on_heap;
    ASSERT_EQ(enumerate_loaded_images(on_heap), 0);
    ASSERT_GT(on_heap.count, 2u);

    loaded_image lent[2];
    image_list spilled{lent, 0, 2, false};
    ASSERT_EQ(enumerate_loaded_images(spilled), 0);
    EXPECT_TRUE(spilled.items_on_heap);
    EXPECT_NE(spilled.items, lent);
    ASSERT_EQ(spilled.count, on_heap.count);
    for (size_t i = 0; i < on_heap.count; ++i) {
        EXPECT_EQ(spilled.items[i].identity, on_heap.items[i].identity) << i;
        EXPECT_EQ(spilled.items[i].span.start, on_heap.items[i].span.start) << i;
        EXPECT_EQ(spilled.items[i].relro.start, on_heap.items[i].relro.start) << i;
        EXPECT_STREQ(spilled.items[i].name, on_heap.items[i].name) << i;
    }
    release(spilled);
    release(on_heap);
}

}  // namespace
}  // namespace sealkit::startup
