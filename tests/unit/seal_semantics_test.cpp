// What a seal made with sealkit_seal blocks, on the real kernel: every row of
// section 2 of the facts sheet (docs: /work/shared/reference/mseal-facts.md,
// "What a seal blocks"), plus what it documents as NOT blocked.
//
// Each refused attack is followed by a check that the memory is intact
// (mapping, protection, seal and contents). Each "allowed" case is compared
// with the same call on an identical unsealed mapping, so that a test fails
// if the seal starts refusing it, and every refusal test has an unsealed
// control showing the call would otherwise have succeeded.
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/uio.h>

#include <array>
#include <iostream>
#include <string>

#include "test_support.h"

namespace {

using namespace sealkit_test;

class SealSemantics : public KernelBackendTest {};

long pkey_mprotect_raw(void *addr, size_t len, int prot, int pkey) {
    return syscall(SYS_pkey_mprotect, addr, len, prot, pkey);
}

// ---------------------------------------------------------------------------
// mprotect / pkey_mprotect

TEST_F(SealSemantics, MprotectRefusedEvenToTheSameProtection) {
    char *control = map_pages(1, PROT_READ | PROT_WRITE);
    ASSERT_NE(control, nullptr);
    EXPECT_TRUE(Succeeds(attempt([&] { return mprotect(control, page(), PROT_READ); })));

    char *p = sealed_pages(1, PROT_READ | PROT_WRITE, 'A');
    ASSERT_NE(p, nullptr);
    for (int prot : {PROT_READ | PROT_WRITE, PROT_READ, PROT_NONE, PROT_READ | PROT_EXEC,
                     PROT_READ | PROT_WRITE | PROT_EXEC}) {
        SCOPED_TRACE("prot " + std::to_string(prot));
        EXPECT_TRUE(FailsWith(attempt([&] { return mprotect(p, page(), prot); }), EPERM));
    }
    EXPECT_TRUE(Intact(p, 1, 'A', "rw-p"));
    p[0] = 'B';  // still writable: the seal froze the protection, not the bytes
    EXPECT_EQ(p[0], 'B');
}

TEST_F(SealSemantics, MprotectOfSealedReadOnlyMemoryCannotMakeItWritable) {
    char *p = sealed_pages(2, PROT_READ, 'R');
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(FailsWith(attempt([&] { return mprotect(p, 2 * page(), PROT_READ | PROT_WRITE); }), EPERM));
    EXPECT_TRUE(FailsWith(attempt([&] { return mprotect(p, 2 * page(), PROT_READ); }), EPERM));
    // A sub-range and an unaligned length inside the sealed range.
    EXPECT_TRUE(FailsWith(attempt([&] { return mprotect(p + page(), 1, PROT_READ | PROT_WRITE); }), EPERM));
    EXPECT_TRUE(Intact(p, 2, 'R', "r--p"));
}

TEST_F(SealSemantics, PkeyMprotectRefusedEvenToTheSameProtection) {
    // pkey -1 means "no key": a valid call without PKU hardware.
    char *control = map_pages(1, PROT_READ | PROT_WRITE);
    ASSERT_NE(control, nullptr);
    sys_result unsealed = attempt([&] { return pkey_mprotect_raw(control, page(), PROT_READ, -1); });
    if (unsealed.value == -1 && unsealed.error == ENOSYS) GTEST_SKIP() << "kernel has no pkey_mprotect(2)";
    ASSERT_TRUE(Succeeds(unsealed)) << "pkey_mprotect with pkey -1 must work on unsealed memory";

    char *p = sealed_pages(1, PROT_READ, 'P');
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(FailsWith(attempt([&] { return pkey_mprotect_raw(p, page(), PROT_READ, -1); }), EPERM));
    EXPECT_TRUE(FailsWith(attempt([&] { return pkey_mprotect_raw(p, page(), PROT_READ | PROT_WRITE, -1); }), EPERM));
    EXPECT_TRUE(Intact(p, 1, 'P', "r--p"));
}

TEST_F(SealSemantics, PkeyMprotectWithAnAllocatedKeyRefused) {
    int pkey = static_cast<int>(syscall(SYS_pkey_alloc, 0, 0));
    if (pkey < 0)
        GTEST_SKIP() << "pkey_alloc failed with " << errno_name(errno)
                     << ": no memory protection keys on this CPU/kernel (the pkey -1 case is tested separately)";
    char *p = sealed_pages(1, PROT_READ, 'K');
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(FailsWith(attempt([&] { return pkey_mprotect_raw(p, page(), PROT_READ, pkey); }), EPERM));
    EXPECT_TRUE(Intact(p, 1, 'K', "r--p"));
    syscall(SYS_pkey_free, pkey);
}

// Linux 6.12+ checks seals VMA by VMA while it changes them: a range whose
// first VMA is unsealed and whose second is sealed fails with EPERM after
// the first VMA was already changed. (6.10 and 6.11 checked the whole range
// first and changed nothing.) Tested so that a change either way is seen.
TEST_F(SealSemantics, MprotectIsNotAllOrNothingAcrossVmas) {
    char *p = map_pages(2, PROT_READ | PROT_WRITE, 'N');
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(sealkit_seal(p + page(), page(), 0), 0) << strerror(errno);
    ASSERT_NE(vma_at(p)->end, vma_at(p + page())->end) << "expected two VMAs";

    EXPECT_TRUE(FailsWith(attempt([&] { return mprotect(p, 2 * page(), PROT_READ); }), EPERM));
    EXPECT_TRUE(Intact(p + page(), 1, 'N', "rw-p"));  // the sealed VMA never changes
    if (kernel_at_least(6, 12)) {
        EXPECT_TRUE(Intact(p, 1, 'N', "r--p", false))
            << "6.12+ changes the unsealed VMA before reaching the sealed one";
    } else {
        EXPECT_TRUE(Intact(p, 1, 'N', "rw-p", false)) << "6.10/6.11 checked the whole range first";
    }
}

TEST_F(SealSemantics, MprotectStopsAtASealedFirstVma) {
    char *p = map_pages(2, PROT_READ | PROT_WRITE, 'S');
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(sealkit_seal(p, page(), 0), 0) << strerror(errno);
    EXPECT_TRUE(FailsWith(attempt([&] { return mprotect(p, 2 * page(), PROT_READ); }), EPERM));
    EXPECT_TRUE(Intact(p, 1, 'S', "rw-p"));
    EXPECT_TRUE(Intact(p + page(), 1, 'S', "rw-p", false)) << "nothing after the sealed VMA may change";
}

// ---------------------------------------------------------------------------
// munmap, mmap(MAP_FIXED), MAP_FIXED_NOREPLACE

TEST_F(SealSemantics, MunmapRefusedAndNothingUnmapped) {
    char *p = map_pages(3, PROT_READ | PROT_WRITE, 'U');
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(sealkit_seal(p + page(), page(), 0), 0) << strerror(errno);

    EXPECT_TRUE(FailsWith(attempt([&] { return munmap(p, 3 * page()); }), EPERM));
    EXPECT_TRUE(Intact(p, 1, 'U', "rw-p", false)) << "all-or-nothing: the unsealed page before stays mapped";
    EXPECT_TRUE(Intact(p + page(), 1, 'U', "rw-p"));
    EXPECT_TRUE(Intact(p + 2 * page(), 1, 'U', "rw-p", false)) << "the unsealed page after stays mapped";

    EXPECT_TRUE(FailsWith(attempt([&] { return munmap(p + page(), page()); }), EPERM));
    EXPECT_TRUE(FailsWith(attempt([&] { return munmap(p + page(), 1); }), EPERM));  // len rounds up
    EXPECT_TRUE(FailsWith(attempt([&] { return munmap(p, 2 * page()); }), EPERM));
    EXPECT_TRUE(Intact(p, 1, 'U', "rw-p", false));
    EXPECT_TRUE(Intact(p + page(), 1, 'U', "rw-p"));

    // Control: the unsealed neighbours can be unmapped on their own.
    EXPECT_TRUE(Succeeds(attempt([&] { return munmap(p, page()); })));
    EXPECT_FALSE(is_mapped(p));
    EXPECT_TRUE(Intact(p + page(), 1, 'U', "rw-p"));
}

TEST_F(SealSemantics, MmapFixedOverSealedRefusedAndNothingReplaced) {
    char *p = map_pages(2, PROT_READ | PROT_WRITE, 'M');
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(sealkit_seal(p + page(), page(), 0), 0) << strerror(errno);

    // Over the unsealed page and the sealed one: all-or-nothing.
    EXPECT_TRUE(FailsWith(attempt([&] {
                              return mmap(p, 2 * page(), PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS,
                                          -1, 0);
                          }),
                          EPERM));
    EXPECT_TRUE(Intact(p, 1, 'M', "rw-p", false)) << "the unsealed page must not be replaced by zeroes";
    EXPECT_TRUE(Intact(p + page(), 1, 'M', "rw-p"));

    // Over just the sealed page, with a file mapping and with anonymous memory.
    int fd = temp_file(1, 'F');
    ASSERT_GE(fd, 0);
    EXPECT_TRUE(FailsWith(
        attempt([&] { return mmap(p + page(), page(), PROT_READ, MAP_FIXED | MAP_PRIVATE, fd, 0); }), EPERM));
    EXPECT_TRUE(FailsWith(attempt([&] {
                              return mmap(p + page(), page(), PROT_READ | PROT_EXEC,
                                          MAP_FIXED | MAP_SHARED | MAP_ANONYMOUS, -1, 0);
                          }),
                          EPERM));
    close(fd);
    EXPECT_TRUE(Intact(p + page(), 1, 'M', "rw-p"));

    // Control: MAP_FIXED over the unsealed page alone works.
    EXPECT_TRUE(Succeeds(
        attempt([&] { return mmap(p, page(), PROT_READ, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); })));
    EXPECT_EQ(perms_at(p), "r--p");
}

TEST_F(SealSemantics, MapFixedNoreplaceOverSealedIsEexistAsWithoutSeal) {
    char *control = map_pages(1, PROT_READ, 'C');
    ASSERT_NE(control, nullptr);
    EXPECT_TRUE(FailsWith(attempt([&] {
                              return mmap(control, page(), PROT_READ, MAP_FIXED_NOREPLACE | MAP_PRIVATE | MAP_ANONYMOUS,
                                          -1, 0);
                          }),
                          EEXIST));

    char *p = sealed_pages(1, PROT_READ, 'X');
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(FailsWith(attempt([&] {
                              return mmap(p, page(), PROT_READ | PROT_WRITE,
                                          MAP_FIXED_NOREPLACE | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                          }),
                          EEXIST));
    EXPECT_TRUE(Intact(p, 1, 'X', "r--p"));
}

// ---------------------------------------------------------------------------
// mremap

TEST_F(SealSemantics, MremapShrinkRefused) {
    char *control = map_pages(2);
    ASSERT_NE(control, nullptr);
    EXPECT_TRUE(Succeeds(attempt([&] { return mremap(control, 2 * page(), page(), 0); })));

    char *p = sealed_pages(2, PROT_READ, 'm');
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(FailsWith(attempt([&] { return mremap(p, 2 * page(), page(), 0); }), EPERM));
    EXPECT_TRUE(FailsWith(attempt([&] { return mremap(p, 2 * page(), page(), MREMAP_MAYMOVE); }), EPERM));
    EXPECT_TRUE(Intact(p, 2, 'm', "r--p"));
}

TEST_F(SealSemantics, MremapGrowInPlaceRefused) {
    // Two mapped pages followed by two free ones, so growing in place fits.
    char *control = map_pages(4);
    ASSERT_NE(control, nullptr);
    ASSERT_EQ(munmap(control + 2 * page(), 2 * page()), 0);
    EXPECT_EQ(attempt([&] { return mremap(control, 2 * page(), 4 * page(), 0); }).value,
              static_cast<long>(addr_of(control)))
        << "control: growing in place must work when unsealed";

    char *p = map_pages(4, PROT_READ | PROT_WRITE, 'g');
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(munmap(p + 2 * page(), 2 * page()), 0);
    ASSERT_EQ(sealkit_seal(p, 2 * page(), 0), 0) << strerror(errno);
    EXPECT_TRUE(FailsWith(attempt([&] { return mremap(p, 2 * page(), 4 * page(), 0); }), EPERM));
    EXPECT_TRUE(FailsWith(attempt([&] { return mremap(p, 2 * page(), 4 * page(), MREMAP_MAYMOVE); }), EPERM));
    EXPECT_TRUE(Intact(p, 2, 'g', "rw-p"));
    EXPECT_FALSE(is_mapped(p + 2 * page())) << "the pages after must not have been added";
}

TEST_F(SealSemantics, MremapMoveToFixedAddressRefused) {
    char *control = map_pages(1, PROT_READ | PROT_WRITE, 'c');
    char *control_target = map_pages(1, PROT_READ | PROT_WRITE, 't');
    ASSERT_NE(control, nullptr);
    ASSERT_NE(control_target, nullptr);
    EXPECT_EQ(attempt([&] {
                  return mremap(control, page(), page(), MREMAP_MAYMOVE | MREMAP_FIXED, control_target);
              }).value,
              static_cast<long>(addr_of(control_target)));

    char *p = sealed_pages(1, PROT_READ, 'v');
    char *target = map_pages(1, PROT_READ | PROT_WRITE, 'T');
    ASSERT_NE(p, nullptr);
    ASSERT_NE(target, nullptr);
    EXPECT_TRUE(FailsWith(attempt([&] { return mremap(p, page(), page(), MREMAP_MAYMOVE | MREMAP_FIXED, target); }),
                          EPERM));
    EXPECT_TRUE(Intact(p, 1, 'v', "r--p"));
    EXPECT_TRUE(Intact(target, 1, 'T', "rw-p", false)) << "the destination must be untouched";
}

TEST_F(SealSemantics, MremapDontunmapRefused) {
    char *control = map_pages(1, PROT_READ | PROT_WRITE, 'c');
    char *control_target = map_pages(1);
    ASSERT_NE(control, nullptr);
    ASSERT_NE(control_target, nullptr);
    EXPECT_EQ(attempt([&] {
                  return mremap(control, page(), page(), MREMAP_MAYMOVE | MREMAP_DONTUNMAP | MREMAP_FIXED,
                                control_target);
              }).value,
              static_cast<long>(addr_of(control_target)))
        << "control: MREMAP_DONTUNMAP must work on unsealed private anonymous memory";

    char *p = sealed_pages(1, PROT_READ, 'd');
    char *target = map_pages(1, PROT_READ | PROT_WRITE, 'T');
    ASSERT_NE(p, nullptr);
    ASSERT_NE(target, nullptr);
    EXPECT_TRUE(FailsWith(attempt([&] {
                              return mremap(p, page(), page(), MREMAP_MAYMOVE | MREMAP_DONTUNMAP | MREMAP_FIXED,
                                            target);
                          }),
                          EPERM));
    EXPECT_TRUE(FailsWith(attempt([&] { return mremap(p, page(), page(), MREMAP_MAYMOVE | MREMAP_DONTUNMAP); }),
                          EPERM));
    EXPECT_TRUE(Intact(p, 1, 'd', "r--p"));
    EXPECT_TRUE(Intact(target, 1, 'T', "rw-p", false));
}

TEST_F(SealSemantics, MremapSameSizeRefused) {
    char *control = map_pages(2);
    ASSERT_NE(control, nullptr);
    EXPECT_EQ(attempt([&] { return mremap(control, 2 * page(), 2 * page(), 0); }).value,
              static_cast<long>(addr_of(control)));

    char *p = sealed_pages(2, PROT_READ | PROT_WRITE, 's');
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(FailsWith(attempt([&] { return mremap(p, 2 * page(), 2 * page(), 0); }), EPERM));
    EXPECT_TRUE(FailsWith(attempt([&] { return mremap(p, 2 * page(), 2 * page(), MREMAP_MAYMOVE); }), EPERM));
    EXPECT_TRUE(FailsWith(attempt([&] { return mremap(p + page(), page(), page(), 0); }), EPERM));
    EXPECT_TRUE(Intact(p, 2, 's', "rw-p"));
}

TEST_F(SealSemantics, MremapOntoASealedDestinationRefused) {
    char *source = map_pages(1, PROT_READ | PROT_WRITE, 'S');
    char *destination = sealed_pages(1, PROT_READ, 'D');
    ASSERT_NE(source, nullptr);
    ASSERT_NE(destination, nullptr);
    EXPECT_TRUE(FailsWith(
        attempt([&] { return mremap(source, page(), page(), MREMAP_MAYMOVE | MREMAP_FIXED, destination); }), EPERM));
    EXPECT_TRUE(Intact(destination, 1, 'D', "r--p"));
    EXPECT_TRUE(Intact(source, 1, 'S', "rw-p", false)) << "the source must still be where it was";
}

// ---------------------------------------------------------------------------
// remap_file_pages (deprecated, emulated by the kernel with MAP_FIXED)

TEST_F(SealSemantics, RemapFilePagesRefused) {
    int fd = memfd_create("sealkit-remap", 0);
    ASSERT_GE(fd, 0) << strerror(errno);
    std::vector<char> buffer(page());
    for (char c : {'0', '1', '2', '3'}) {
        memset(buffer.data(), c, page());
        ASSERT_EQ(write(fd, buffer.data(), page()), static_cast<ssize_t>(page()));
    }
    auto map_file = [&] {
        void *m = mmap(nullptr, 4 * page(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        return m == MAP_FAILED ? nullptr : static_cast<char *>(m);
    };
    char *control = map_file();
    char *p = map_file();
    ASSERT_NE(control, nullptr);
    ASSERT_NE(p, nullptr);
    close(fd);

    sys_result unsealed = attempt([&] { return syscall(SYS_remap_file_pages, control, page(), 0, 2, 0); });
    if (unsealed.value == -1 && unsealed.error == ENOSYS) GTEST_SKIP() << "kernel built without remap_file_pages";
    ASSERT_TRUE(Succeeds(unsealed));
    EXPECT_EQ(control[0], '2') << "control: the first page now shows file page 2";

    ASSERT_EQ(sealkit_seal(p, 4 * page(), 0), 0) << strerror(errno);
    EXPECT_TRUE(FailsWith(attempt([&] { return syscall(SYS_remap_file_pages, p, page(), 0, 2, 0); }), EPERM));
    EXPECT_TRUE(Intact(p, 1, '0', "rw-s"));
    EXPECT_TRUE(Intact(p + 2 * page(), 1, '2', "rw-s"));
}

// ---------------------------------------------------------------------------
// madvise: discard advice

struct advice {
    int value;
    const char *name;
};

const advice kDiscardAdvice[] = {
    {MADV_FREE, "MADV_FREE"},           {MADV_DONTNEED, "MADV_DONTNEED"},
    {MADV_DONTNEED_LOCKED, "MADV_DONTNEED_LOCKED"}, {MADV_REMOVE, "MADV_REMOVE"},
    {MADV_DONTFORK, "MADV_DONTFORK"},   {MADV_WIPEONFORK, "MADV_WIPEONFORK"},
    {MADV_GUARD_INSTALL, "MADV_GUARD_INSTALL"},
};

std::string advice_name(const ::testing::TestParamInfo<advice> &param_info) { return param_info.param.name; }
void PrintTo(const advice &a, std::ostream *out) { *out << a.name; }

// MADV_GUARD_INSTALL is 6.13+: older kernels reject it (EINVAL) even on
// unsealed memory.
bool guard_install_supported() {
    void *p = mmap(nullptr, page(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return false;
    bool supported = madvise(p, page(), MADV_GUARD_INSTALL) == 0;
    munmap(p, page());
    return supported;
}

class DiscardAdvice : public KernelBackendTest, public ::testing::WithParamInterface<advice> {
protected:
    void SetUp() override {
        KernelBackendTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        if (GetParam().value == MADV_GUARD_INSTALL && !guard_install_supported())
            GTEST_SKIP() << "MADV_GUARD_INSTALL is EINVAL on unsealed memory: needs Linux 6.13+";
    }
};

// Sealed anonymous memory the caller cannot write: discarding it would
// zero data the program relies on, so the kernel refuses.
TEST_P(DiscardAdvice, RefusedOnSealedReadOnlyPrivateAnonymousMemory) {
    const advice a = GetParam();
    char *p = sealed_pages(2, PROT_READ, 'Z');
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(FailsWith(attempt([&] { return madvise(p, 2 * page(), a.value); }), EPERM));
    EXPECT_TRUE(FailsWith(attempt([&] { return madvise(p + page(), page(), a.value); }), EPERM));
    EXPECT_TRUE(Intact(p, 2, 'Z', "r--p"));
    EXPECT_EQ(vma_at(p)->vmflags.find(" dc"), std::string::npos) << "MADV_DONTFORK must not have been applied";
    EXPECT_EQ(vma_at(p)->vmflags.find(" wf"), std::string::npos) << "MADV_WIPEONFORK must not have been applied";
}

TEST_P(DiscardAdvice, RefusedOnSealedProtNoneAnonymousMemory) {
    const advice a = GetParam();
    char *p = sealed_pages(1, PROT_NONE, 'n');
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(FailsWith(attempt([&] { return madvise(p, page(), a.value); }), EPERM));
    EXPECT_TRUE(Intact(p, 1, 'n', "---p"));
    // The contents, read past PROT_NONE through /proc/self/mem.
    int fd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0) << strerror(errno);
    std::vector<char> bytes(page());
    EXPECT_EQ(pread(fd, bytes.data(), page(), static_cast<off_t>(addr_of(p))), static_cast<ssize_t>(page()));
    close(fd);
    EXPECT_TRUE(all_bytes(bytes.data(), page(), 'n'));
}

// Where the caller could change the bytes anyway (writable, shared or file
// memory), discard advice is allowed on sealed memory: the seal adds no
// refusal. Each case is the same call on an identical unsealed mapping, and
// the contents afterwards must match too (the advice really took effect).
enum class memory_kind { writable_private_anonymous, shared_anonymous, read_only_shared_anonymous,
                         read_only_private_file, read_only_shared_file, writable_shared_file };

const char *kind_name(memory_kind k) {
    switch (k) {
    case memory_kind::writable_private_anonymous: return "WritablePrivateAnonymous";
    case memory_kind::shared_anonymous: return "SharedAnonymous";
    case memory_kind::read_only_shared_anonymous: return "ReadOnlySharedAnonymous";
    case memory_kind::read_only_private_file: return "ReadOnlyPrivateFile";
    case memory_kind::read_only_shared_file: return "ReadOnlySharedFile";
    case memory_kind::writable_shared_file: return "WritableSharedFile";
    }
    return "?";
}

// One page of the given kind holding 'W' (written after mapping: for the
// private file mapping that makes a copy-on-write page over the file's 'F').
char *map_kind(memory_kind kind) {
    const bool file = kind == memory_kind::read_only_private_file || kind == memory_kind::read_only_shared_file ||
                      kind == memory_kind::writable_shared_file;
    const bool shared = kind != memory_kind::writable_private_anonymous && kind != memory_kind::read_only_private_file;
    const bool read_only = kind == memory_kind::read_only_shared_anonymous ||
                           kind == memory_kind::read_only_private_file || kind == memory_kind::read_only_shared_file;
    int fd = -1;
    if (file && (fd = temp_file(1, 'F')) < 0) return nullptr;
    int flags = (shared ? MAP_SHARED : MAP_PRIVATE) | (file ? 0 : MAP_ANONYMOUS);
    void *m = mmap(nullptr, page(), PROT_READ | PROT_WRITE, flags, fd, 0);
    if (fd >= 0) close(fd);
    if (m == MAP_FAILED) {
        ADD_FAILURE() << "mmap: " << strerror(errno);
        return nullptr;
    }
    memset(m, 'W', page());
    if (read_only && mprotect(m, page(), PROT_READ) != 0) {
        ADD_FAILURE() << "mprotect: " << strerror(errno);
        return nullptr;
    }
    return static_cast<char *>(m);
}

void PrintTo(memory_kind k, std::ostream *out) { *out << kind_name(k); }

using allowed_case = std::tuple<memory_kind, advice>;

class DiscardAdviceAllowed : public KernelBackendTest, public ::testing::WithParamInterface<allowed_case> {
protected:
    void SetUp() override {
        KernelBackendTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        if (std::get<1>(GetParam()).value == MADV_GUARD_INSTALL && !guard_install_supported())
            GTEST_SKIP() << "MADV_GUARD_INSTALL is EINVAL on unsealed memory: needs Linux 6.13+";
    }
};

TEST_P(DiscardAdviceAllowed, SealAddsNoRefusal) {
    const memory_kind kind = std::get<0>(GetParam());
    const advice a = std::get<1>(GetParam());
    char *unsealed = map_kind(kind);
    char *sealed = map_kind(kind);
    ASSERT_NE(unsealed, nullptr);
    ASSERT_NE(sealed, nullptr);
    const std::string perms = perms_at(sealed);
    ASSERT_EQ(sealkit_seal(sealed, page(), 0), 0) << strerror(errno);

    sys_result expected = attempt([&] { return madvise(unsealed, page(), a.value); });
    sys_result got = attempt([&] { return madvise(sealed, page(), a.value); });
    EXPECT_EQ(got, expected) << a.name << " on sealed " << kind_name(kind) << " memory must behave as unsealed";
    EXPECT_FALSE(got.value == -1 && got.error == EPERM);
    EXPECT_EQ(perms_at(sealed), perms);
    EXPECT_TRUE(smaps_sealed(sealed));
    if (a.value != MADV_GUARD_INSTALL) {  // a guard page faults when read
        EXPECT_EQ(sealed[0], unsealed[0]) << "the advice must have had the same effect";
    }
}

std::vector<allowed_case> allowed_cases() {
    std::vector<allowed_case> cases;
    for (memory_kind kind : {memory_kind::writable_private_anonymous, memory_kind::shared_anonymous,
                             memory_kind::read_only_shared_anonymous, memory_kind::read_only_private_file,
                             memory_kind::read_only_shared_file, memory_kind::writable_shared_file})
        for (const advice &a : kDiscardAdvice) cases.emplace_back(kind, a);
    return cases;
}

INSTANTIATE_TEST_SUITE_P(All, DiscardAdvice, ::testing::ValuesIn(kDiscardAdvice), advice_name);
INSTANTIATE_TEST_SUITE_P(All, DiscardAdviceAllowed, ::testing::ValuesIn(allowed_cases()),
                         [](const ::testing::TestParamInfo<allowed_case> &param_info) {
                             return std::string(kind_name(std::get<0>(param_info.param))) + "_" +
                                    std::get<1>(param_info.param).name;
                         });

// The spot checks behind the table above, with their visible effect.
TEST_F(SealSemantics, DontneedOnSealedWritableAnonymousMemoryZeroesIt) {
    char *p = sealed_pages(1, PROT_READ | PROT_WRITE, 'w');
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(Succeeds(attempt([&] { return madvise(p, page(), MADV_DONTNEED); })));
    EXPECT_TRUE(Intact(p, 1, '\0', "rw-p"));
}

TEST_F(SealSemantics, RemoveOnSealedSharedMemoryPunchesAHole) {
    char *p = sealed_pages(1, PROT_READ | PROT_WRITE, 'h', MAP_SHARED | MAP_ANONYMOUS);
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(Succeeds(attempt([&] { return madvise(p, page(), MADV_REMOVE); })));
    EXPECT_TRUE(Intact(p, 1, '\0', "rw-s"));
}

// The documented security gap: a private file mapping that was written
// (copy-on-write), made read-only and sealed can still be discarded with
// MADV_DONTNEED, and its page reverts to the file's bytes. This is what lets
// an attacker revert a sealed GOT. If this test starts failing, the kernel
// closed the gap: update the facts sheet, sealkit.h and this test.
TEST_F(SealSemantics, DontneedRevertsASealedReadOnlyPrivateFileMappingToTheFile) {
    char *p = map_kind(memory_kind::read_only_private_file);  // 'W' over the file's 'F'
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p[0], 'W');
    ASSERT_EQ(sealkit_seal(p, page(), 0), 0) << strerror(errno);
    ASSERT_TRUE(smaps_sealed(p));

    EXPECT_TRUE(Succeeds(attempt([&] { return madvise(p, page(), MADV_DONTNEED); })))
        << "the kernel now refuses: the GOT-revert gap is closed";
    EXPECT_TRUE(Intact(p, 1, 'F', "r--p")) << "the page should have reverted to the file's bytes";
}

// The mitigation sealkit's startup sealing uses: copy the page into
// anonymous memory placed over the original, then make it read-only and seal.
TEST_F(SealSemantics, AnonymousCopyOfAFilePageIsNotDiscardable) {
    char *p = map_kind(memory_kind::read_only_private_file);
    ASSERT_NE(p, nullptr);
    char *copy = map_pages(1, PROT_READ | PROT_WRITE, 0);
    ASSERT_NE(copy, nullptr);
    memcpy(copy, p, page());
    ASSERT_EQ(mremap(copy, page(), page(), MREMAP_MAYMOVE | MREMAP_FIXED, p), p) << strerror(errno);
    ASSERT_EQ(mprotect(p, page(), PROT_READ), 0);
    ASSERT_EQ(sealkit_seal(p, page(), 0), 0) << strerror(errno);

    EXPECT_TRUE(FailsWith(attempt([&] { return madvise(p, page(), MADV_DONTNEED); }), EPERM));
    EXPECT_TRUE(Intact(p, 1, 'W', "r--p"));
}

// ---------------------------------------------------------------------------
// process_madvise

int own_pidfd() { return static_cast<int>(syscall(kPidfdOpenNr, getpid(), 0)); }

sys_result process_madvise_raw(int pidfd, void *addr, size_t len, int advice_value) {
    struct iovec v = {addr, len};
    return attempt([&] { return syscall(kProcessMadviseNr, pidfd, &v, 1, advice_value, 0u); });
}

class ProcessMadviseDiscard : public DiscardAdvice {};

// Since Linux 6.13 process_madvise() on the caller's own process accepts
// every madvise advice (mm/madvise.c: only remote processes are limited to
// COLD, PAGEOUT, WILLNEED and COLLAPSE), and the seal check is the same as
// madvise's: discard advice on sealed read-only anonymous memory is EPERM.
TEST_P(ProcessMadviseDiscard, RefusedOnSealedReadOnlyAnonymousMemoryOfThisProcess) {
    const advice a = GetParam();
    int pidfd = own_pidfd();
    if (pidfd < 0) GTEST_SKIP() << "pidfd_open failed: " << errno_name(errno);
    char *control = map_pages(1, PROT_READ, 'c');
    ASSERT_NE(control, nullptr);
    sys_result unsealed = process_madvise_raw(pidfd, control, page(), a.value);
    if (unsealed.value == -1 && unsealed.error == ENOSYS) {
        close(pidfd);
        GTEST_SKIP() << "kernel has no process_madvise(2)";
    }
    if (a.value != MADV_REMOVE && unsealed.value == -1 && unsealed.error == EINVAL) {
        close(pidfd);
        GTEST_SKIP() << "process_madvise rejects " << a.name
                     << " even for the calling process: kernel older than 6.13 (no discard possible at all)";
    }

    char *p = sealed_pages(1, PROT_READ, 'q');
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(FailsWith(process_madvise_raw(pidfd, p, page(), a.value), EPERM));
    close(pidfd);
    EXPECT_TRUE(Intact(p, 1, 'q', "r--p"));
}

INSTANTIATE_TEST_SUITE_P(All, ProcessMadviseDiscard, ::testing::ValuesIn(kDiscardAdvice), advice_name);

TEST_F(SealSemantics, ProcessMadviseNonDiscardAdviceAllowedOnSealedMemory) {
    int pidfd = own_pidfd();
    if (pidfd < 0) GTEST_SKIP() << "pidfd_open failed: " << errno_name(errno);
    char *p = sealed_pages(1, PROT_READ, 'o');
    ASSERT_NE(p, nullptr);
    for (advice a : {advice{MADV_COLD, "MADV_COLD"}, advice{MADV_PAGEOUT, "MADV_PAGEOUT"},
                     advice{MADV_WILLNEED, "MADV_WILLNEED"}}) {
        SCOPED_TRACE(a.name);
        sys_result r = process_madvise_raw(pidfd, p, page(), a.value);
        if (r.value == -1 && r.error == ENOSYS) GTEST_SKIP() << "kernel has no process_madvise(2)";
        EXPECT_EQ(r.value, static_cast<long>(page())) << describe(r);
    }
    close(pidfd);
    EXPECT_TRUE(Intact(p, 1, 'o', "r--p"));
}

// Discard advice through process_madvise() on ANOTHER process is rejected
// with EINVAL whether or not the memory is sealed (remote callers only get
// COLD, PAGEOUT, WILLNEED and COLLAPSE), so process_madvise opens no way
// around the seal.
TEST_F(SealSemantics, ProcessMadviseCannotDiscardInAnotherProcess) {
    char *p = sealed_pages(1, PROT_READ, 'r');
    ASSERT_NE(p, nullptr);
    int ready[2];
    ASSERT_EQ(pipe(ready), 0);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        close(ready[0]);
        ssize_t ignored = write(ready[1], "x", 1);
        (void)ignored;
        for (;;) pause();
    }
    close(ready[1]);
    char byte;
    ASSERT_EQ(read(ready[0], &byte, 1), 1);
    close(ready[0]);
    int pidfd = static_cast<int>(syscall(kPidfdOpenNr, child, 0));
    if (pidfd < 0) {
        kill(child, SIGKILL);
        waitpid(child, nullptr, 0);
        GTEST_SKIP() << "pidfd_open failed: " << errno_name(errno);
    }
    sys_result dontneed = process_madvise_raw(pidfd, p, page(), MADV_DONTNEED);
    sys_result cold = process_madvise_raw(pidfd, p, page(), MADV_COLD);
    close(pidfd);
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    if (cold.value == -1 && cold.error == ENOSYS) GTEST_SKIP() << "kernel has no process_madvise(2)";
    EXPECT_TRUE(FailsWith(dontneed, EINVAL)) << "discard advice is never accepted for another process";
    if (cold.value == -1 && cold.error == EPERM) {
        // Remote advice needs CAP_SYS_NICE, checked after the advice itself.
        std::cout << "note: no CAP_SYS_NICE here, so remote MADV_COLD is EPERM; only the EINVAL part was checked\n";
    } else {
        EXPECT_EQ(cold.value, static_cast<long>(page())) << "non-discard advice is allowed: " << describe(cold);
    }
    EXPECT_TRUE(Intact(p, 1, 'r', "r--p"));
}

// ---------------------------------------------------------------------------
// What a seal does not block

TEST_F(SealSemantics, NonDiscardAdviceAllowedOnSealedReadOnlyMemory) {
    for (advice a : {advice{MADV_NORMAL, "MADV_NORMAL"}, advice{MADV_RANDOM, "MADV_RANDOM"},
                     advice{MADV_SEQUENTIAL, "MADV_SEQUENTIAL"}, advice{MADV_WILLNEED, "MADV_WILLNEED"},
                     advice{MADV_COLD, "MADV_COLD"}, advice{MADV_PAGEOUT, "MADV_PAGEOUT"},
                     advice{MADV_DONTDUMP, "MADV_DONTDUMP"}, advice{MADV_DODUMP, "MADV_DODUMP"},
                     advice{MADV_DOFORK, "MADV_DOFORK"}, advice{MADV_KEEPONFORK, "MADV_KEEPONFORK"}}) {
        SCOPED_TRACE(a.name);
        char *p = sealed_pages(1, PROT_READ, 'k');
        ASSERT_NE(p, nullptr);
        EXPECT_TRUE(Succeeds(attempt([&] { return madvise(p, page(), a.value); })));
        EXPECT_TRUE(Intact(p, 1, 'k', "r--p"));
    }
}

// Advice on part of a sealed VMA splits it; both parts stay sealed.
TEST_F(SealSemantics, AdviceThatSplitsASealedVmaKeepsBothPartsSealed) {
    char *p = sealed_pages(3, PROT_READ, 'j');
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(Succeeds(attempt([&] { return madvise(p + page(), page(), MADV_RANDOM); })));
    EXPECT_NE(vma_at(p)->end, vma_at(p + page())->end) << "MADV_RANDOM on the middle page splits the VMA";
    for (int i = 0; i < 3; ++i) {
        SCOPED_TRACE("page " + std::to_string(i));
        EXPECT_TRUE(FailsWith(attempt([&] { return mprotect(p + i * page(), page(), PROT_READ); }), EPERM));
    }
    EXPECT_TRUE(Intact(p, 3, 'j', "r--p"));
}

TEST_F(SealSemantics, GuardRemoveIsNotDiscardAdvice) {
    if (!guard_install_supported()) GTEST_SKIP() << "MADV_GUARD_INSTALL/REMOVE need Linux 6.13+";
    char *p = sealed_pages(1, PROT_READ, 'G');
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(Succeeds(attempt([&] { return madvise(p, page(), MADV_GUARD_REMOVE); })));
    EXPECT_TRUE(Intact(p, 1, 'G', "r--p"));
}

TEST_F(SealSemantics, WritesToWritableSealedPagesAllowed) {
    char *p = sealed_pages(2, PROT_READ | PROT_WRITE, 'a');
    ASSERT_NE(p, nullptr);
    memset(p, 'b', 2 * page());
    EXPECT_TRUE(Intact(p, 2, 'b', "rw-p"));
}

TEST_F(SealSemantics, MlockMunlockAndMsyncAllowed) {
    char *p = sealed_pages(1, PROT_READ, 'l');
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(Succeeds(attempt([&] { return mlock(p, page()); })));
    EXPECT_NE(vma_at(p)->vmflags.find(" lo"), std::string::npos) << "mlock must have locked the VMA";
    EXPECT_TRUE(Succeeds(attempt([&] { return munlock(p, page()); })));
    EXPECT_TRUE(Succeeds(attempt([&] { return msync(p, page(), MS_SYNC); })));
    EXPECT_TRUE(Intact(p, 1, 'l', "r--p"));
}

TEST_F(SealSemantics, SealingTwiceReturnsZero) {
    char *p = map_pages(2, PROT_READ, 't');
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(sealkit_seal(p, page(), 0), 0) << strerror(errno);
    EXPECT_EQ(sealkit_seal(p, page(), 0), 0) << strerror(errno);
    EXPECT_EQ(sealkit_seal(p, 2 * page(), 0), 0) << "sealed + unsealed range: " << strerror(errno);
    EXPECT_TRUE(Intact(p, 2, 't', "r--p"));
}

// /proc/self/mem writes use FOLL_FORCE, which ignores page protections and
// seals alike: documented as not blocked (sealkit.h, facts sheet section 2).
TEST_F(SealSemantics, WriteThroughProcSelfMemIsNotBlocked) {
    char *p = sealed_pages(1, PROT_READ, 'A');
    ASSERT_NE(p, nullptr);
    int fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd, 0) << strerror(errno);
    sys_result written = attempt([&] { return pwrite(fd, "XY", 2, static_cast<off_t>(addr_of(p))); });
    close(fd);
    if (written.value == -1 && written.error == EIO)
        GTEST_SKIP() << "this kernel forbids FOLL_FORCE writes through /proc/self/mem (proc_mem.force_override)";
    EXPECT_EQ(written.value, 2) << describe(written);
    EXPECT_EQ(p[0], 'X');
    EXPECT_EQ(p[1], 'Y');
    EXPECT_EQ(perms_at(p), "r--p");
    EXPECT_TRUE(smaps_sealed(p));
}

// ---------------------------------------------------------------------------
// brk and shmdt: refused without an error

// The kernel refuses to shrink the break into sealed heap pages and returns
// the old break, which glibc's brk() turns into 0. The break did not move.
// Run in a child: moving this process's break would upset its malloc.
TEST_F(SealSemantics, BrkShrinkingIntoASealedHeapIsRefusedSilently) {
    outcome child = run_in_child([](int out) {
        char *current = static_cast<char *>(sbrk(0));
        uintptr_t aligned = (addr_of(current) + page() - 1) & ~(page() - 1);
        if (sbrk(static_cast<intptr_t>(aligned - addr_of(current) + 2 * page())) == reinterpret_cast<void *>(-1)) {
            report(out, "sbrk grow failed: %s", strerror(errno));
            return 10;
        }
        char *heap = reinterpret_cast<char *>(aligned);
        char *top = static_cast<char *>(sbrk(0));
        memset(heap, 'H', 2 * page());
        if (sealkit_seal(heap, 2 * page(), 0) != 0) {
            report(out, "sealkit_seal: %s", strerror(errno));
            return 11;
        }
        errno = 0;
        int shrunk = brk(heap);
        int shrink_errno = errno;
        char *after = static_cast<char *>(sbrk(0));
        long kernel_break = syscall(SYS_brk, 0);
        report(out, "brk %d errno %d sbrk0 %p top %p kernel %lx", shrunk, shrink_errno, static_cast<void *>(after),
               static_cast<void *>(top), kernel_break);
        if (shrunk != 0) return 12;
        if (after != top) return 13;
        if (kernel_break != static_cast<long>(addr_of(top))) return 14;
        if (!is_mapped(heap) || !is_mapped(heap + page())) return 15;
        if (!all_bytes(heap, 2 * page(), 'H')) return 16;
        if (!smaps_sealed(heap)) return 17;
        return 0;
    });
    EXPECT_EQ(child.exit_code(), 0) << child.describe();
}

TEST_F(SealSemantics, ShmdtOfASealedSegmentReturnsZeroButKeepsItMapped) {
    int id = shmget(IPC_PRIVATE, page(), IPC_CREAT | 0600);
    if (id < 0) GTEST_SKIP() << "no System V shared memory here: " << errno_name(errno);
    // Control: an unsealed attachment really detaches.
    char *control = static_cast<char *>(shmat(id, nullptr, 0));
    ASSERT_NE(control, reinterpret_cast<char *>(-1)) << strerror(errno);
    ASSERT_EQ(shmdt(control), 0);
    EXPECT_FALSE(is_mapped(control));

    char *p = static_cast<char *>(shmat(id, nullptr, 0));
    ASSERT_NE(p, reinterpret_cast<char *>(-1)) << strerror(errno);
    shmctl(id, IPC_RMID, nullptr);  // destroyed when the process ends
    memset(p, 'V', page());
    ASSERT_EQ(sealkit_seal(p, page(), 0), 0) << strerror(errno);
    EXPECT_TRUE(Succeeds(attempt([&] { return shmdt(p); }))) << "shmdt reports success...";
    EXPECT_TRUE(Intact(p, 1, 'V', "rw-s")) << "...but the segment stays mapped";
}

}  // namespace
