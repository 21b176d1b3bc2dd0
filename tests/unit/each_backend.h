// Runs one test on each sealing backend: "kernel" (the kernel's mseal(2))
// and "seccomp" (SEALKIT_BACKEND=seccomp, the filters that stand in for it
// on kernels without mseal). The same body, the same expectations: what a
// freeze or a seal promises must hold whichever backend enforces it.
//
//     class SealedArena : public sealkit_test::EachBackendTest {};
//     TEST_ON_EACH_BACKEND(SealedArena, FreezeMakesItReadOnly) {
//         ...  // sealkit_backend() is the backend of the case's name
//     }
//     INSTANTIATE_ON_EACH_BACKEND(SealedArena);
//
// gives the cases On/SealedArena.FreezeMakesItReadOnly/kernel and .../seccomp.
//
// A process chooses its backend once, so each case runs where its backend
// is the process's own: the kernel case in the test process (skipped, with
// the reason, on a kernel without mseal); the seccomp case always in a
// fresh copy of the test program started with SEALKIT_BACKEND=seccomp and
// --gtest_filter naming that one case, whose verdict becomes the case's
// (its output is shown when it fails). A fresh process also means fresh
// globals and no seccomp filters piling up from other cases, on this
// machine and in the 6.1 guest (tests/oldkernel) alike.
#pragma once

#include <limits.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "test_support.h"

namespace sealkit_test {

// Set in the copy of the test program that runs one case on one backend.
inline constexpr const char *kCaseBackendVariable = "SEALKIT_TEST_CASE_BACKEND";

class EachBackendTest : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        const std::string wanted = GetParam();
        const char *here = getenv(kCaseBackendVariable);
        if (here != nullptr) {
            ASSERT_EQ(wanted, here) << "this copy of the test program runs only the " << here << " cases";
            check_active_backend(wanted);
            return;
        }
        if (wanted == "kernel") {
            if (!kernel_has_mseal()) GTEST_SKIP() << "this kernel has no mseal(2) (needs Linux 6.10+, 64-bit)";
            check_active_backend(wanted);
            return;
        }
        run_in_a_fresh_process(wanted);
    }

public:
    // True when the case already ran in a fresh process: the body then
    // does nothing (TEST_ON_EACH_BACKEND checks it).
    bool ran_elsewhere() const { return ran_elsewhere_; }


private:
    static void check_active_backend(const std::string &wanted) {
        ASSERT_EQ(sealkit_backend_name(), wanted)
            << "sealkit chose \"" << sealkit_backend_name() << "\": " << sealkit_backend_reason()
            << " (is SEALKIT_BACKEND set in the test environment?)";
    }

    void run_in_a_fresh_process(const std::string &wanted) {
        ran_elsewhere_ = true;
        char self[PATH_MAX] = {};
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        ASSERT_GT(n, 0) << "readlink /proc/self/exe: " << strerror(errno);
        const ::testing::TestInfo *info = ::testing::UnitTest::GetInstance()->current_test_info();
        const std::string name = std::string(info->test_suite_name()) + "." + info->name();
        environment_change change;
        change.set = {{"SEALKIT_BACKEND", wanted}, {kCaseBackendVariable, wanted}};
        change.unset = {"LD_PRELOAD", "GTEST_OUTPUT", "GTEST_FILTER", "GTEST_SHARD_INDEX", "GTEST_TOTAL_SHARDS"};
        outcome run = run_program(self, {"--gtest_filter=" + name, "--gtest_color=no"}, change);
        const bool one_ran = run.output.find("[==========] 1 test from 1 test suite ran.") != std::string::npos;
        ASSERT_TRUE(run.exited() && one_ran) << name << " on the " << wanted << " backend did not run once, in "
                                             << self << ": " << run.describe();
        const size_t skipped = run.output.find(": Skipped\n");
        if (run.exit_code() == 0 && skipped != std::string::npos) {
            const size_t reason = skipped + strlen(": Skipped\n");
            GTEST_SKIP() << "on the " << wanted << " backend: "
                         << run.output.substr(reason, run.output.find("\n[", reason) - reason);
        }
        EXPECT_TRUE(run.exit_code() == 0 && run.output.find("[  PASSED  ] 1 test.") != std::string::npos)
            << name << " failed on the " << wanted << " backend (SEALKIT_BACKEND=" << wanted << "), exit "
            << run.exit_code() << ":\n"
            << run.output;
    }

    bool ran_elsewhere_ = false;
};

}  // namespace sealkit_test

// A TEST_P of `fixture` (an EachBackendTest) whose body runs only in the
// process whose backend is the case's.
#define TEST_ON_EACH_BACKEND(fixture, name)                                       \
    static void fixture##_##name##_body(fixture &test);                           \
    TEST_P(fixture, name) {                                                       \
        if (!ran_elsewhere()) fixture##_##name##_body(*this);                     \
    }                                                                             \
    static void fixture##_##name##_body([[maybe_unused]] fixture &test)

#define INSTANTIATE_ON_EACH_BACKEND(fixture)                                                         \
    INSTANTIATE_TEST_SUITE_P(On, fixture, ::testing::Values(std::string("kernel"), std::string("seccomp")), \
                             [](const ::testing::TestParamInfo<std::string> &param) { return param.param; })
