// `sealkit status --require=images`: exit 1, naming them, when a process
// has an executable or library image with an unsealed executable mapping;
// 0 for a program whose images `sealkit run` sealed at start-up; worse
// statuses (a missing PID) still win; --require=none is the default.
#include <limits.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/command_runner.h"
#include "system/syscalls.h"

namespace {

using sealkit_test::command_result;
using sealkit_test::lines_of;
using sealkit_test::run_command;
using sealkit_test::running_program;

const std::string kTarget = std::string(SEALKIT_TEST_PROGRAMS) + "/status_target";

std::string real_path(const std::string &path) {
    char resolved[PATH_MAX];
    return realpath(path.c_str(), resolved) ? resolved : path;
}

class StatusRequire : public ::testing::Test {
protected:
    void SetUp() override {
        if (sealkit::sys::probe_seal_support() != 0) GTEST_SKIP() << "this kernel has no mseal(2)";
    }
};

// status_target seals its own code but nothing of libc or ld.so.
TEST_F(StatusRequire, UnsealedLibrariesFailAndAreNamed) {
    running_program target({kTarget});
    ASSERT_TRUE(target.ready());
    std::string pid = std::to_string(target.pid());
    command_result run = run_command({SEALKIT_CLI, "status", "--require=images", pid});
    EXPECT_EQ(run.exit_status, 1);
    EXPECT_NE(run.out.find("mappings sealed"), std::string::npos) << "the report is still printed";
    std::vector<std::string> errors = lines_of(run.err);
    ASSERT_EQ(errors.size(), 1u) << run.err;
    EXPECT_TRUE(errors[0].starts_with("sealkit status: PID " + pid + " (status_target) has images")) << errors[0];
    EXPECT_NE(errors[0].find("/libc.so.6"), std::string::npos) << errors[0];
    EXPECT_NE(errors[0].find("ld-linux"), std::string::npos) << errors[0];
    EXPECT_EQ(errors[0].find(real_path(kTarget)), std::string::npos) << "its own code is sealed: " << errors[0];

    command_result json = run_command({SEALKIT_CLI, "status", "--require", "images", "--json", pid});
    EXPECT_EQ(json.exit_status, 1);
    nlohmann::json doc = nlohmann::json::parse(json.out);
    EXPECT_EQ(doc.at("require"), "images");
    const nlohmann::json &images = doc.at("processes").at(0).at("unsealed_images");
    EXPECT_NE(std::find(images.begin(), images.end(), "/usr/lib/x86_64-linux-gnu/libc.so.6"), images.end())
        << images.dump();
    EXPECT_EQ(std::find(images.begin(), images.end(), real_path(kTarget)), images.end()) << images.dump();
}

TEST_F(StatusRequire, NoneIsTheDefaultAndNeverFails) {
    running_program target({kTarget});
    ASSERT_TRUE(target.ready());
    std::string pid = std::to_string(target.pid());
    for (std::vector<std::string> argv : {std::vector<std::string>{SEALKIT_CLI, "status", pid},
                                          std::vector<std::string>{SEALKIT_CLI, "status", "--require=none", pid}}) {
        command_result run = run_command(argv);
        EXPECT_EQ(run.exit_status, 0) << run.err;
        EXPECT_EQ(run.err, "");
    }
}

TEST_F(StatusRequire, AProgramSealedBySealkitRunPasses) {
    running_program target({SEALKIT_CLI, "run", "--", kTarget});
    ASSERT_TRUE(target.ready());
    std::string pid = std::to_string(target.pid());
    command_result run = run_command({SEALKIT_CLI, "status", "--require=images", "--json", pid});
    EXPECT_EQ(run.exit_status, 0) << run.err;
    EXPECT_EQ(run.err, "");
    nlohmann::json process = nlohmann::json::parse(run.out).at("processes").at(0);
    EXPECT_TRUE(process.at("unsealed_images").empty()) << process.at("unsealed_images").dump();
    // Not vacuous: the images are there, sealed.
    size_t sealed_images = 0;
    for (const nlohmann::json &object : process.at("objects"))
        if ((object.at("kind") == "library" || object.at("kind") == "executable") &&
            object.at("parts").at("text").at("state") == "sealed")
            ++sealed_images;
    EXPECT_GE(sealed_images, 3u) << process.dump(1);
}

TEST_F(StatusRequire, AMissingPidOutranksThePolicy) {
    running_program target({kTarget});
    ASSERT_TRUE(target.ready());
    pid_t child = fork();
    if (child == 0) _exit(0);
    int status;
    waitpid(child, &status, 0);
    command_result run = run_command(
        {SEALKIT_CLI, "status", "--require=images", std::to_string(target.pid()), std::to_string(child)});
    EXPECT_EQ(run.exit_status, 3);
    EXPECT_EQ(lines_of(run.err).size(), 2u) << run.err;
}

TEST_F(StatusRequire, AllProcessesFailWhenOneHasUnsealedImages) {
    running_program target({kTarget});
    ASSERT_TRUE(target.ready());
    command_result run = run_command({SEALKIT_CLI, "status", "--all", "--require=images"});
    EXPECT_EQ(run.exit_status, 1) << run.err;
    bool named = false;
    for (const std::string &line : lines_of(run.err))
        named = named || line.starts_with("sealkit status: PID " + std::to_string(target.pid()) + " (status_target)");
    EXPECT_TRUE(named) << run.err;
}

}  // namespace
