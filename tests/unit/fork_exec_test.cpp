// Seals survive fork() and end at execve() (facts sheet section 1).
#include <string>

#include "test_support.h"

namespace {

using namespace sealkit_test;

class ForkExec : public KernelBackendTest {};

TEST_F(ForkExec, ForkedChildInheritsSeals) {
    char *p = sealed_pages(2, PROT_READ, 'i');
    char *unsealed = map_pages(1, PROT_READ, 'u');
    ASSERT_NE(p, nullptr);
    ASSERT_NE(unsealed, nullptr);
    outcome child = run_in_child([&](int out) {
        int failures = 0;
        auto expect_eperm = [&](const char *what, sys_result r) {
            if (r.value == -1 && r.error == EPERM) return;
            report(out, "%s: expected EPERM, got %s", what, describe(r).c_str());
            ++failures;
        };
        expect_eperm("mprotect", attempt([&] { return mprotect(p, 2 * page(), PROT_READ | PROT_WRITE); }));
        expect_eperm("munmap", attempt([&] { return munmap(p, page()); }));
        expect_eperm("mremap", attempt([&] { return mremap(p, 2 * page(), page(), 0); }));
        expect_eperm("MAP_FIXED", attempt([&] {
                         return mmap(p, page(), PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1,
                                     0);
                     }));
        expect_eperm("MADV_DONTNEED", attempt([&] { return madvise(p, 2 * page(), MADV_DONTNEED); }));
        if (sealkit_is_sealed(p, 2 * page()) != 1) {
            report(out, "sealkit_is_sealed in the child: %d", sealkit_is_sealed(p, 2 * page()));
            ++failures;
        }
        if (!smaps_sealed(p) || !all_bytes(p, 2 * page(), 'i') || perms_at(p) != "r--p") {
            report(out, "the sealed pages changed in the child");
            ++failures;
        }
        // Control: the child's unsealed memory is its own to change.
        if (mprotect(unsealed, page(), PROT_READ | PROT_WRITE) != 0 || munmap(unsealed, page()) != 0) {
            report(out, "unsealed memory could not be changed: %s", strerror(errno));
            ++failures;
        }
        return failures == 0 ? 0 : 1;
    });
    EXPECT_EQ(child.exit_code(), 0) << child.describe();
    EXPECT_TRUE(Intact(p, 2, 'i', "r--p"));
    EXPECT_TRUE(Intact(unsealed, 1, 'u', "r--p", false)) << "the child's changes are its own";
}

TEST_F(ForkExec, SealsMadeInAChildDoNotReachTheParent) {
    char *p = map_pages(1, PROT_READ, 'c');
    ASSERT_NE(p, nullptr);
    outcome child = run_in_child([&](int out) {
        if (sealkit_seal(p, page(), 0) != 0) {
            report(out, "sealkit_seal: %s", strerror(errno));
            return 1;
        }
        if (mprotect(p, page(), PROT_READ) != -1 || errno != EPERM) {
            report(out, "the child's own seal does not hold");
            return 2;
        }
        return 0;
    });
    ASSERT_EQ(child.exit_code(), 0) << child.describe();
    EXPECT_EQ(sealkit_is_sealed(p, page()), 0);
    EXPECT_TRUE(Succeeds(attempt([&] { return mprotect(p, page(), PROT_READ | PROT_WRITE); })));
    EXPECT_TRUE(Succeeds(attempt([&] { return munmap(p, page()); })));
}

// A fixed address that is free here, so the exec'd helper can ask for the
// very same range with MAP_FIXED_NOREPLACE.
char *map_at_a_fixed_high_address(size_t pages) {
    for (uintptr_t candidate : {0x5a5a00000000UL, 0x3c3c00000000UL, 0x6e6e00000000UL, 0x2b2b00000000UL}) {
        void *p = mmap(reinterpret_cast<void *>(candidate), pages * page(), PROT_READ | PROT_WRITE,
                       MAP_FIXED_NOREPLACE | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == reinterpret_cast<void *>(candidate)) return static_cast<char *>(p);
        if (p != MAP_FAILED) munmap(p, pages * page());  // old kernels treat the flag as a hint
    }
    return nullptr;
}

TEST_F(ForkExec, SealsEndAtExecve) {
    const size_t pages = 4;
    char *p = map_at_a_fixed_high_address(pages);
    ASSERT_NE(p, nullptr) << "no candidate fixed address was free";
    memset(p, 'e', pages * page());
    ASSERT_EQ(sealkit_seal(p, pages * page(), 0), 0) << strerror(errno);

    const std::string helper = program_path("api_exec_child");
    const std::string address = std::to_string(addr_of(p));
    const std::string length = std::to_string(pages * page());
    // fork, check the seal was inherited, then execve the helper: the new
    // image starts with a fresh address space where the range is free.
    outcome child = run_program(helper, {address, length}, {{}, {"SEALKIT_BACKEND"}}, [p, pages] {
        if (mprotect(p, pages * page(), PROT_READ) != -1 || errno != EPERM) _exit(90);
    });
    EXPECT_EQ(child.exit_code(), 0) << "api_exec_child: " << child.describe();
    EXPECT_EQ(field(child.output, "result"), std::optional<std::string>("ok")) << child.output;

    // Still sealed here.
    EXPECT_TRUE(Intact(p, pages, 'e', "rw-p"));
    EXPECT_TRUE(FailsWith(attempt([&] { return munmap(p, pages * page()); }), EPERM));
}

}  // namespace
