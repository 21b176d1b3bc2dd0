// The C++ twin of sealkit_seal_images (sealkit::seal_images, image_flags,
// report_images in sealkit.hpp), through tests/programs/seal_images_cpp:
// a fresh process each time, since sealing images lasts for the process.
#include <gtest/gtest.h>

#include <string>

#include "test_support.h"

namespace {

using sealkit_test::environment_change;
using sealkit_test::field;
using sealkit_test::outcome;
using sealkit_test::program_path;
using sealkit_test::run_program;

outcome run_twin(const std::string &mode, std::vector<std::pair<std::string, std::string>> extra = {}) {
    environment_change change;
    change.unset = {"LD_PRELOAD", "SEALKIT_BACKEND", "SEALKIT_RELRO"};
    change.set = std::move(extra);
    return run_program(program_path("seal_images_cpp"), {mode}, change);
}

using SealImagesCpp = sealkit_test::KernelBackendTest;

TEST_F(SealImagesCpp, SealsEveryImageAndReportsEachObjectAsASpan) {
    outcome run = run_twin("defaults");
    ASSERT_EQ(run.exit_code(), 0) << run.describe();
    EXPECT_EQ(field(run.output, "error"), "none") << run.output;
    // The executable, libsealkit.so, libstdc++, libm, libgcc_s, libc, ld.so.
    EXPECT_GE(std::stoul(field(run.output, "images-sealed").value_or("0")), 3u) << run.output;
    EXPECT_NE(field(run.output, "own-bytes"), "0") << "no report entry holds main: " << run.output;
    EXPECT_EQ(field(run.output, "relro-moved"), "1") << run.output;
    EXPECT_EQ(field(run.output, "text-sealed"), "1") << run.output;
    EXPECT_EQ(field(run.output, "mprotect-text"), "refused") << run.output;
}

TEST_F(SealImagesCpp, FlagsReachTheCApi) {
    outcome run = run_twin("relro-file");
    ASSERT_EQ(run.exit_code(), 0) << run.describe();
    EXPECT_EQ(field(run.output, "error"), "none") << run.output;
    EXPECT_EQ(field(run.output, "relro-moved"), "0") << "relro_file must leave RELRO file-backed: " << run.output;
    EXPECT_EQ(field(run.output, "text-sealed"), "1") << run.output;
    // image_flags | skip_sealed: the second call skips what the first sealed.
    EXPECT_EQ(field(run.output, "again"), "none") << run.output;
    EXPECT_EQ(field(run.output, "again-own-skip"), std::to_string(SEALKIT_SKIP_ALREADY_SEALED)) << run.output;
}

TEST(SealImagesCppErrors, NoBackendIsFunctionNotSupportedAndNothingIsSealed) {
    outcome run = run_twin("defaults", {{"SEALKIT_BACKEND", "none"}});
    ASSERT_EQ(run.exit_code(), 0) << run.describe();
    EXPECT_EQ(field(run.output, "error"), "ENOSYS") << run.output;
    EXPECT_EQ(field(run.output, "function-not-supported"), "1") << run.output;
    EXPECT_EQ(field(run.output, "text-sealed"), "0") << run.output;
    EXPECT_EQ(field(run.output, "mprotect-text"), "allowed") << run.output;
}

}  // namespace
