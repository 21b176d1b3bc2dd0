// sealkit_pin and sealkit_seal_strict: the two policies beyond the kernel,
// on whichever backend is active (the kernel here, seccomp when forced).
// Each test runs in a child: the filters they install are permanent.
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "test_support.h"

namespace {

using namespace sealkit_test;

class PinAndStrict : public ::testing::TestWithParam<std::string> {
protected:
    void use_backend() const { setenv("SEALKIT_BACKEND", GetParam().c_str(), 1); }
    bool skip_without_kernel_mseal() const { return GetParam() == "kernel" && !kernel_has_mseal(); }
};

TEST_P(PinAndStrict, PinnedMemoryCannotMoveButCanChangeProtection) {
    if (skip_without_kernel_mseal()) GTEST_SKIP() << "this kernel has no mseal(2)";
    outcome run = run_in_child([this](int) {
        use_backend();
        const size_t page = 4096;
        char *p = static_cast<char *>(mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
        if (sealkit_pin(p, page) != 0) return 10;
        if (mprotect(p, page, PROT_READ) != 0) return 11;  // allowed: that is the point
        if (mprotect(p, page, PROT_READ | PROT_WRITE) != 0) return 12;
        p[0] = 1;
        if (munmap(p, page) == 0 || errno != EPERM) return 13;
        if (mremap(p, page, 2 * page, MREMAP_MAYMOVE) != MAP_FAILED || errno != EPERM) return 14;
        if (mmap(p, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED || errno != EPERM)
            return 15;
        if (munmap(p + page, page) != 0) return 16;  // the neighbour is not pinned
        if (sealkit_is_sealed(p, page) != 0) return 17;  // pinned is not sealed
        // mseal's argument rules.
        if (sealkit_pin(p + 1, page) != -1 || errno != EINVAL) return 18;
        if (sealkit_pin(p + page, page) != -1 || errno != ENOMEM) return 19;
        return 0;
    });
    EXPECT_EQ(run.exit_code(), 0) << run.describe();
}

TEST_P(PinAndStrict, StrictSealRefusesDiscardEvenOnFileAndWritableMemory) {
    if (skip_without_kernel_mseal()) GTEST_SKIP() << "this kernel has no mseal(2)";
    outcome run = run_in_child([this](int) {
        use_backend();
        const size_t page = 4096;
        // A read-only private file mapping: the GOT-revert case.
        char path[] = "/tmp/sealkit-strict-XXXXXX";
        int fd = mkstemp(path);
        if (fd < 0) return 9;
        unlink(path);
        char byte = 'd';
        if (pwrite(fd, &byte, 1, 0) != 1 || ftruncate(fd, page) != 0) return 9;
        char *file = static_cast<char *>(mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0));
        file[0] = 'm';  // private copy, differs from the disk
        mprotect(file, page, PROT_READ);
        char *rw = static_cast<char *>(mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
        rw[0] = 'w';
        // Control: a plain seal lets both discards through (the kernel's rule).
        char *plain = static_cast<char *>(mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
        if (sealkit_seal(plain, page, 0) != 0) return 10;
        if (madvise(plain, page, MADV_DONTNEED) != 0) return 11;
        if (sealkit_seal_strict(file, page, 0) != 0 || sealkit_seal_strict(rw, page, 0) != 0) return 12;
        if (madvise(file, page, MADV_DONTNEED) == 0 || errno != EPERM) return 13;
        if (file[0] != 'm') return 14;  // not reverted to the disk's 'd'
        if (madvise(rw, page, MADV_FREE) == 0 || errno != EPERM) return 15;
        if (rw[0] != 'w') return 16;
        if (madvise(rw, page, MADV_WILLNEED) != 0) return 17;  // not a discard
        if (sealkit_is_sealed(file, page) != 1) return 18;
        if (munmap(file, page) == 0 || errno != EPERM) return 19;
        if (sealkit_seal_strict(rw, page, 1) != -1 || errno != EINVAL) return 20;
        return 0;
    });
    EXPECT_EQ(run.exit_code(), 0) << run.describe();
}

INSTANTIATE_TEST_SUITE_P(Backends, PinAndStrict, ::testing::Values("kernel", "seccomp"),
                         [](const ::testing::TestParamInfo<std::string> &info) { return info.param; });

}  // namespace
