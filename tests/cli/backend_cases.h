// The sealing backends a test starts a program under (`sealkit run
// --backend=B`, or SEALKIT_BACKEND=B with the preload), and why one cannot
// run on this machine. Start-up sealing must hold on both: the kernel's
// mseal(2) where the kernel has it, seccomp filters everywhere else (the
// Debian 12 guest of `make test-oldkernel`). A case whose backend cannot
// work here skips with the reason instead of passing without sealing:
//
//     class RunMutable : public ::testing::TestWithParam<std::string> {
//         void SetUp() override { SKIP_UNLESS_BACKEND_WORKS_HERE(GetParam()); }
//     };
//     INSTANTIATE_TEST_SUITE_P(On, RunMutable, sealkit_test::each_backend(), sealkit_test::backend_case_name);
//
// (tests/unit/each_backend.h does the same for code running inside the test
// process; these helpers are for programs the test starts.)
#pragma once

#include <errno.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

#include <gtest/gtest.h>

namespace sealkit_test {

// Empty when a program started with SEALKIT_BACKEND=backend is sealed by
// it here; otherwise the sentence a skipped case prints.
inline std::string why_backend_cannot_run(const std::string &backend) {
    const int saved = errno;
    std::string why;
    if (backend == "kernel") {
        if (syscall(462 /* mseal */, nullptr, 0, 0) != 0)
            why = "this kernel has no mseal(2) (needs Linux 6.10+, 64-bit); the seccomp case runs here instead";
    } else if (backend == "seccomp") {
        // With a null program the call fails before installing anything:
        // EFAULT when seccomp filtering exists, EINVAL when it does not.
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, nullptr) == 0 || errno != EFAULT)
            why = "this kernel has no seccomp filtering (CONFIG_SECCOMP_FILTER)";
    } else {
        why = "unknown backend \"" + backend + "\"";
    }
    errno = saved;
    return why;
}

#define SKIP_UNLESS_BACKEND_WORKS_HERE(backend)                                                     \
    do {                                                                                            \
        const std::string why_not = sealkit_test::why_backend_cannot_run(backend);                  \
        if (!why_not.empty()) GTEST_SKIP() << "the " << (backend) << " backend: " << why_not;       \
    } while (0)

inline auto each_backend() { return ::testing::Values(std::string("kernel"), std::string("seccomp")); }

inline std::string backend_case_name(const ::testing::TestParamInfo<std::string> &param) { return param.param; }

// "mprotect-own-text-rwx" -> "mprotect_own_text_rwx": a GoogleTest name.
inline std::string test_name_of(std::string words) {
    for (char &c : words)
        if (c == '-') c = '_';
    return words;
}

}  // namespace sealkit_test
