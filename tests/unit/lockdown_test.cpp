// sealkit_lockdown() in a real program, with both ways of denying
// write-execute: the kernel's PR_SET_MDWE and sealkit's seccomp filter.
#include <gtest/gtest.h>

#include "test_support.h"

namespace {

using sealkit_test::field;

class Lockdown : public sealkit_test::KernelBackendTest, public ::testing::WithParamInterface<std::string> {
protected:
    sealkit_test::outcome run() {
        sealkit_test::environment_change change;
        change.unset = {"LD_PRELOAD", "SEALKIT_BACKEND"};
        return sealkit_test::run_program(sealkit_test::program_path("lockdown_target"),
                                         {GetParam(), "/usr/lib/x86_64-linux-gnu/libz.so.1"}, change,
                                         [] { dup2(STDOUT_FILENO, STDERR_FILENO); });
    }
};

TEST_P(Lockdown, SealsImagesFreezesDataAndDeniesWriteExecute) {
    if (GetParam() == "kernel" && !sealkit_test::kernel_at_least(6, 3))
        GTEST_SKIP() << "PR_SET_MDWE needs Linux 6.3";
    sealkit_test::outcome r = run();
    EXPECT_EQ(field(r.output, "lockdown"), "ok") << r.output;
    EXPECT_EQ(field(r.output, "mechanism"), GetParam() == "kernel" ? "kernel-mdwe" : "seccomp") << r.output;
    EXPECT_EQ(field(r.output, "own-text-sealed"), "1");
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
    if (GetParam() == "kernel" && !sealkit_test::kernel_at_least(6, 3))
        GTEST_SKIP() << "PR_SET_MDWE needs Linux 6.3";
    sealkit_test::outcome r = run();
    EXPECT_EQ(r.exit_code(), 3) << r.describe();
    EXPECT_NE(r.output.find("jit: cannot get writable and executable memory: Permission denied"), std::string::npos)
        << r.output;
}

INSTANTIATE_TEST_SUITE_P(BothMechanisms, Lockdown, ::testing::Values("kernel", "seccomp"),
                         [](const ::testing::TestParamInfo<std::string> &param) { return param.param; });

}  // namespace
