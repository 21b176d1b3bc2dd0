// sealkit_lockdown() in a real program, on each sealing backend (the
// kernel's mseal, SEALKIT_BACKEND=seccomp) and with each way of denying
// write-execute: the default (the kernel's PR_SET_MDWE, or sealkit's seccomp
// filter where the kernel has no MDWE, as Linux before 6.3) and the seccomp
// filter asked for (SEALKIT_LOCKDOWN_WX_SECCOMP).
#include <gtest/gtest.h>
#include <sys/prctl.h>

#include <tuple>

#include "test_support.h"

namespace {

using sealkit_test::field;

// PR_GET_MDWE answers (0 or the flags) only on kernels that have MDWE.
bool kernel_has_mdwe() { return prctl(66 /* PR_GET_MDWE */, 0, 0, 0, 0) >= 0; }

// (backend, write-execute mechanism asked for: "kernel" = the default, "seccomp").
class Lockdown : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {
protected:
    std::string backend() const { return std::get<0>(GetParam()); }
    std::string asked() const { return std::get<1>(GetParam()); }

    void SetUp() override {
        if (backend() == "kernel" && !sealkit_test::kernel_has_mseal())
            GTEST_SKIP() << "the kernel backend: this kernel has no mseal(2) (needs Linux 6.10+, 64-bit)";
    }

    // What denies write-execute: the default takes MDWE where the kernel has it.
    std::string expected_mechanism() const {
        return asked() == "kernel" && kernel_has_mdwe() ? "kernel-mdwe" : "seccomp";
    }

    sealkit_test::outcome run() {
        sealkit_test::environment_change change;
        change.unset = {"LD_PRELOAD"};
        change.set = {{"SEALKIT_BACKEND", backend()}};
        return sealkit_test::run_program(sealkit_test::program_path("lockdown_target"),
                                         {asked(), "/usr/lib/x86_64-linux-gnu/libz.so.1"}, change,
                                         [] { dup2(STDOUT_FILENO, STDERR_FILENO); });
    }
};

TEST_P(Lockdown, SealsImagesFreezesDataAndDeniesWriteExecute) {
    sealkit_test::outcome r = run();
    EXPECT_EQ(field(r.output, "lockdown"), "ok") << r.output;
    EXPECT_EQ(field(r.output, "mechanism"), expected_mechanism()) << r.output;
    EXPECT_EQ(field(r.output, "own-text-sealed"), "1") << r.output;
    EXPECT_EQ(field(r.output, "protected-frozen"), "1");
    EXPECT_EQ(field(r.output, "mmap-rwx"), "Permission denied");
    EXPECT_EQ(field(r.output, "mprotect-add-exec"), "Permission denied");
    EXPECT_EQ(field(r.output, "mprotect-rwx"), "Permission denied");
    EXPECT_EQ(field(r.output, "raw-mprotect-rwx"), "Permission denied");
    EXPECT_EQ(field(r.output, "mprotect-own-text"), "Operation not permitted") << "images are sealed";
    EXPECT_EQ(field(r.output, "mmap-rx"), "allowed") << "read-execute without write stays allowed";
    EXPECT_EQ(field(r.output, "malloc"), "ok");
    EXPECT_EQ(field(r.output, "dlopen"), "ok") << "loading libraries still works";
}

TEST_P(Lockdown, AJitFailsLoudlyNotSilently) {
    sealkit_test::outcome r = run();
    EXPECT_EQ(r.exit_code(), 3) << r.describe();
    EXPECT_NE(r.output.find("jit: cannot get writable and executable memory: Permission denied"), std::string::npos)
        << r.output;
}

INSTANTIATE_TEST_SUITE_P(EachBackendAndMechanism, Lockdown,
                         ::testing::Combine(::testing::Values(std::string("kernel"), std::string("seccomp")),
                                            ::testing::Values(std::string("kernel"), std::string("seccomp"))),
                         [](const ::testing::TestParamInfo<Lockdown::ParamType> &param) {
                             return std::get<0>(param.param) + "_backend_" +
                                    (std::get<1>(param.param) == "kernel" ? "default_wx" : "seccomp_wx");
                         });

}  // namespace
