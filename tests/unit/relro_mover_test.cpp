// relro_mover: every wanted RELRO copied in one pass, each moved with one
// mremap, the original bytes kept, the range anonymous afterwards, and no
// copy left behind for an image that was not moved.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

#include "startup/relro_relocation.h"

namespace sealkit::startup {
namespace {

constexpr size_t kPage = 4096;

// Every mapping in /proc/self/maps with its inode column.
struct mapping_line {
    uintptr_t start, end;
    unsigned long inode;
    std::string permissions;
};

std::vector<mapping_line> current_mappings() {
    std::vector<mapping_line> out;
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[4096];
    while (fgets(line, sizeof line, maps)) {
        unsigned long start, end, offset, inode;
        char perms[8], device[16];
        if (sscanf(line, "%lx-%lx %7s %lx %15s %lu", &start, &end, perms, &offset, device, &inode) == 6)
            out.push_back({start, end, inode, perms});
    }
    fclose(maps);
    return out;
}

bool covered_by(uintptr_t start, uintptr_t end, const std::vector<mapping_line> &mappings) {
    for (uintptr_t page = start; page < end; page += kPage) {
        bool found = false;
        for (const mapping_line &m : mappings) found |= m.start <= page && page < m.end;
        if (!found) return false;
    }
    return true;
}

mapping_line mapping_at(uintptr_t address) {
    for (const mapping_line &m : current_mappings())
        if (m.start <= address && address < m.end) return m;
    return {0, 0, ~0ul, ""};
}

unsigned long inode_at(uintptr_t address) { return mapping_at(address).inode; }

// A RELRO look-alike: a private file mapping, written (so its pages are
// copy-on-write copies, as after relocation), then made read-only.
class RelroMover : public testing::Test {
protected:
    void SetUp() override {
        char path[] = "/tmp/relro_mover_test_XXXXXX";
        fd_ = mkstemp(path);
        ASSERT_GE(fd_, 0);
        unlink(path);
        ASSERT_EQ(ftruncate(fd_, 16 * kPage), 0);
    }
    void TearDown() override {
        for (auto &[start, length] : mapped_) munmap(reinterpret_cast<void *>(start), length);
        close(fd_);
    }
    loaded_image relro_like(size_t pages, char fill) {
        void *p = mmap(nullptr, pages * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd_, 0);
        EXPECT_NE(p, MAP_FAILED);
        memset(p, fill, pages * kPage);
        EXPECT_EQ(mprotect(p, pages * kPage, PROT_READ), 0);
        mapped_.emplace_back(reinterpret_cast<uintptr_t>(p), pages * kPage);
        loaded_image image;
        image.name = "test-object";
        image.relro = {reinterpret_cast<uintptr_t>(p), reinterpret_cast<uintptr_t>(p) + pages * kPage};
        return image;
    }
    static bool all_bytes_are(const loaded_image &image, char fill) {
        const char *p = reinterpret_cast<const char *>(image.relro.start);
        for (size_t i = 0; i < image.relro.length(); ++i)
            if (p[i] != fill) return false;
        return true;
    }

    int fd_ = -1;
    std::vector<std::pair<uintptr_t, size_t>> mapped_;
};

TEST_F(RelroMover, MovesEveryWantedRangeIntoAnonymousMemoryKeepingItsBytes) {
    loaded_image images[3] = {relro_like(1, 'a'), relro_like(4, 'b'), relro_like(2, 'c')};
    image_list list{images, 3, 3, false};
    bool wanted[3] = {true, true, true};
    {
        relro_mover mover;
        ASSERT_EQ(mover.copy_all(list, wanted), 0);
        for (const loaded_image &image : images) EXPECT_EQ(mover.move_to_anonymous(image), 0);
    }
    char fills[3] = {'a', 'b', 'c'};
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(all_bytes_are(images[i], fills[i])) << i;
        EXPECT_EQ(inode_at(images[i].relro.start), 0ul) << "still file-backed: " << i;
        EXPECT_EQ(mapping_at(images[i].relro.start).permissions, "r--p") << i;
    }
}

TEST_F(RelroMover, LeavesNoCopyBehindForImagesItDidNotMove) {
    loaded_image images[4] = {relro_like(1, 'a'), relro_like(2, 'b'), relro_like(1, 'c'), relro_like(3, 'd')};
    image_list list{images, 4, 4, false};
    bool wanted[4] = {true, true, false, true};
    const std::vector<mapping_line> before = current_mappings();
    {
        relro_mover mover;
        ASSERT_EQ(mover.copy_all(list, wanted), 0);
        EXPECT_EQ(mover.move_to_anonymous(images[1]), 0);  // images[0] skipped: its copy must go
        EXPECT_EQ(mover.move_to_anonymous(images[2]), -EINVAL);  // not wanted: nothing was copied
        // images[3] never moved: its copy goes when the mover does.
    }
    for (const mapping_line &m : current_mappings())
        EXPECT_TRUE(covered_by(m.start, m.end, before)) << std::hex << m.start << "-" << m.end << " is new";
    EXPECT_NE(inode_at(images[0].relro.start), 0ul);
    EXPECT_EQ(inode_at(images[1].relro.start), 0ul);
    EXPECT_NE(inode_at(images[3].relro.start), 0ul);
    EXPECT_TRUE(all_bytes_are(images[1], 'b'));
}

TEST_F(RelroMover, AFailedMoveLeavesTheOriginalAndNoCopy) {
    loaded_image images[2] = {relro_like(1, 'a'), relro_like(1, 'b')};
    image_list list{images, 2, 2, false};
    bool wanted[2] = {true, true};
    const std::vector<mapping_line> before = current_mappings();
    {
        relro_mover mover;
        ASSERT_EQ(mover.copy_all(list, wanted), 0);
        // Sealed: the kernel refuses to replace it.
        if (syscall(462, images[0].relro.start, kPage, 0) != 0) GTEST_SKIP() << "needs mseal (Linux 6.10+)";
        EXPECT_EQ(mover.move_to_anonymous(images[0]), -EPERM);
        EXPECT_EQ(mover.move_to_anonymous(images[1]), 0);
    }
    for (const mapping_line &m : current_mappings())
        EXPECT_TRUE(covered_by(m.start, m.end, before)) << std::hex << m.start << "-" << m.end << " is new";
    EXPECT_NE(inode_at(images[0].relro.start), 0ul);
    EXPECT_TRUE(all_bytes_are(images[0], 'a'));
    EXPECT_TRUE(all_bytes_are(images[1], 'b'));
    mapped_.erase(mapped_.begin());  // sealed: cannot be unmapped
}

TEST_F(RelroMover, NothingWantedMapsNothing) {
    loaded_image images[1] = {relro_like(1, 'a')};
    image_list list{images, 1, 1, false};
    bool wanted[1] = {false};
    const std::vector<mapping_line> before = current_mappings();
    relro_mover mover;
    EXPECT_EQ(mover.copy_all(list, wanted), 0);
    for (const mapping_line &m : current_mappings()) EXPECT_TRUE(covered_by(m.start, m.end, before));
}

}  // namespace
}  // namespace sealkit::startup
