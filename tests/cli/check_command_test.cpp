// `sealkit check`, run as the real binary: every fact it reports is
// compared with what this test measures itself, by its own means.
#include <dlfcn.h>
#include <errno.h>
#include <gnu/libc-version.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/utsname.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/command_runner.h"
#include "sealkit/sealkit.h"
#include "system/syscalls.h"

namespace {

using sealkit_test::command_result;
using sealkit_test::environment_change;
using sealkit_test::run_command;

const environment_change kDefaultBackend{"SEALKIT_BACKEND", "", true};

bool kernel_has_mseal() { return sealkit::sys::probe_seal_support() == 0; }

// Whether this kernel takes seccomp filters: installing a null filter fails
// with EFAULT where it does (EINVAL where filters are not built in).
bool seccomp_filters_supported() {
    errno = 0;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, nullptr, 0, 0) == -1 && errno == EFAULT;
}

// What SEALKIT_BACKEND=auto must choose here: the kernel's mseal, else
// seccomp filters (Linux before 6.10), else nothing.
std::string auto_backend_here() {
    if (kernel_has_mseal()) return "kernel";
    return seccomp_filters_supported() ? "seccomp" : "none";
}

std::string kernel_release() {
    utsname names;
    uname(&names);
    return names.release;
}

// Whether this process's vDSO mapping carries "sl", read straight from
// /proc/self/smaps (not through sealkit's parser). nullopt: no VmFlags.
std::optional<bool> vdso_sealed_here() {
    unsigned long vdso = getauxval(AT_SYSINFO_EHDR);
    std::ifstream smaps("/proc/self/smaps");
    std::string line;
    bool inside = false;
    while (std::getline(smaps, line)) {
        unsigned long start, end;
        char dash;
        std::istringstream header(line);
        if (header >> std::hex >> start >> dash >> end && dash == '-') {
            inside = vdso >= start && vdso < end;
            continue;
        }
        if (inside && line.rfind("VmFlags:", 0) == 0) return (line + " ").find(" sl ") != std::string::npos;
    }
    return std::nullopt;
}

std::optional<long> seccomp_filters_here() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("Seccomp_filters:", 0) == 0) return std::stol(line.substr(16));
    return std::nullopt;
}

nlohmann::json check_json(const std::vector<environment_change> &env, int *exit_status) {
    command_result run = run_command({SEALKIT_CLI, "check", "--json"}, env);
    *exit_status = run.exit_status;
    EXPECT_EQ(run.err, "");
    return nlohmann::json::parse(run.out);  // throws, failing the test, on bad JSON
}

TEST(CheckCommand, JsonMatchesWhatTheTestMeasures) {
    int exit_status;
    nlohmann::json j = check_json({kDefaultBackend}, &exit_status);

    EXPECT_EQ(j.at("format_version"), 1);
    EXPECT_EQ(j.at("sealkit_version"), sealkit_version());
    EXPECT_EQ(j.at("kernel").at("release"), kernel_release());
    EXPECT_EQ(j.at("mseal").at("available"), kernel_has_mseal());
    if (kernel_has_mseal()) {
        EXPECT_TRUE(j.at("mseal").at("probe_error").is_null());
    } else {
        EXPECT_EQ(j.at("mseal").at("probe_error"),
                  strerrorname_np(static_cast<int>(-sealkit::sys::probe_seal_support())));
    }
    EXPECT_EQ(j.at("process_64_bit"), sizeof(void *) == 8);
    EXPECT_EQ(j.at("glibc").at("version"), gnu_get_libc_version());
    EXPECT_EQ(j.at("glibc").at("exports_mseal"), dlsym(RTLD_DEFAULT, "mseal") != nullptr);

    std::optional<bool> vdso = vdso_sealed_here();
    if (vdso) {
        EXPECT_EQ(j.at("system_mappings_sealed"), *vdso);
    } else {
        EXPECT_TRUE(j.at("system_mappings_sealed").is_null());
    }

    EXPECT_EQ(j.at("mdwe").at("available"), prctl(66 /* PR_GET_MDWE */, 0, 0, 0, 0) >= 0);

    EXPECT_EQ(j.at("seccomp").at("filter_available"), seccomp_filters_supported());
    // The CLI inherits this process's filters, so it must see the same count.
    std::optional<long> filters = seccomp_filters_here();
    if (filters) {
        EXPECT_EQ(j.at("seccomp").at("filters"), *filters);
    } else {
        EXPECT_TRUE(j.at("seccomp").at("filters").is_null());
    }
    EXPECT_EQ(j.at("seccomp").at("mode"), prctl(PR_GET_SECCOMP, 0, 0, 0, 0));

    const std::string expected_backend = auto_backend_here();
    EXPECT_EQ(j.at("backend").at("active").at("name"), expected_backend);
    EXPECT_EQ(j.at("backend").at("auto").at("name"), expected_backend);
    EXPECT_EQ(j.at("backend").at("can_enforce"), expected_backend != "none");
    EXPECT_FALSE(j.at("backend").at("active").at("reason").get<std::string>().empty());
    EXPECT_EQ(exit_status, expected_backend != "none" ? 0 : 1);
}

TEST(CheckCommand, ForcedNoneBackendExitsOneAndStillReportsAutoChoice) {
    int exit_status;
    nlohmann::json j = check_json({{"SEALKIT_BACKEND", "none"}}, &exit_status);
    EXPECT_EQ(exit_status, 1);
    EXPECT_EQ(j.at("backend").at("active").at("name"), "none");
    EXPECT_EQ(j.at("backend").at("can_enforce"), false);
    // What auto would pick is measured in a child that asks for auto.
    EXPECT_EQ(j.at("backend").at("auto").at("name"), auto_backend_here());
    EXPECT_NE(j.at("backend").at("auto").at("reason"), j.at("backend").at("active").at("reason"));
}

TEST(CheckCommand, TextNamesTheFactsAndEndsWithAVerdict) {
    command_result run = run_command({SEALKIT_CLI, "check"}, {kDefaultBackend});
    const std::string backend = auto_backend_here();
    EXPECT_EQ(run.exit_status, backend != "none" ? 0 : 1);
    EXPECT_EQ(run.err, "");
    EXPECT_NE(run.out.find("Linux " + kernel_release()), std::string::npos) << run.out;
    EXPECT_NE(run.out.find(std::string("glibc             ") + gnu_get_libc_version()), std::string::npos)
        << run.out;
    std::string mseal_line = kernel_has_mseal() ? "mseal(2)          available\n" : "mseal(2)          not available";
    EXPECT_NE(run.out.find(mseal_line), std::string::npos) << run.out;
    std::string verdict = backend != "none" ? "verdict: seals can be enforced here (backend \"" + backend + "\").\n"
                                            : "verdict: nothing can enforce seals here";
    EXPECT_NE(run.out.find(verdict), std::string::npos) << run.out;
}

TEST(CheckCommand, TextVerdictFollowsForcedBackend) {
    command_result run = run_command({SEALKIT_CLI, "check"}, {{"SEALKIT_BACKEND", "none"}});
    EXPECT_EQ(run.exit_status, 1);
    EXPECT_NE(run.out.find("verdict: nothing can enforce seals here (backend \"none\")"), std::string::npos)
        << run.out;
}

}  // namespace
