// Runs tests/programs/mseal_conformance, the raw-syscall program that checks
// every row of the kernel's mseal behaviour table, against this kernel, and
// proves that the program can tell a real mseal from a fake one: under a
// seccomp filter that makes syscall 462 return 0 without sealing anything
// it must fail, and under one that answers ENOSYS it must skip (77).
// The same program is what the seccomp backend must pass unchanged.
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>

#include "test_support.h"

namespace {

using namespace sealkit_test;

const std::string kProgram = "mseal_conformance";

// The bare kernel: nothing of sealkit's is asked to act in the program.
const environment_change kBareKernel{{}, {"SEALKIT_BACKEND", "LD_PRELOAD"}};

std::vector<std::string> lines_starting_with(const std::string &output, const std::string &prefix) {
    std::vector<std::string> found;
    std::istringstream in(output);
    std::string line;
    while (std::getline(in, line))
        if (line.compare(0, prefix.size(), prefix) == 0) found.push_back(line);
    return found;
}

bool has_line(const std::string &output, const std::string &line) {
    for (const std::string &l : lines_starting_with(output, line))
        if (l == line) return true;
    return false;
}

// A seccomp filter, installed in the child just before execve, that answers
// every mseal (462 on x86_64) with -errno_value (0: "success") and lets every
// other call through.
struct fake_mseal_filter {
    sock_filter code[6];
    sock_fprog program;

    explicit fake_mseal_filter(unsigned errno_value)
        : code{
              BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
              BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 3),
              BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
              BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<unsigned>(kMsealNr), 0, 1),
              BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (errno_value & SECCOMP_RET_DATA)),
              BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
          },
          program{6, code} {}

    // Async-signal-safe: runs between fork and execve.
    void install() const {
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(125);
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) != 0) _exit(126);
    }
};

outcome run_under(const fake_mseal_filter &filter) {
    return run_program(program_path(kProgram), {}, kBareKernel, [&filter] { filter.install(); });
}

#if defined(__x86_64__)
constexpr bool kFilterKnowsThisArch = true;
#else
constexpr bool kFilterKnowsThisArch = false;
#endif

TEST(MsealConformance, EveryRowHoldsOnThisKernel) {
    outcome run = run_program(program_path(kProgram), {}, kBareKernel);
    if (run.exit_code() == 77) GTEST_SKIP() << run.output;
    EXPECT_EQ(run.exit_code(), 0) << run.describe();
    EXPECT_EQ(lines_starting_with(run.output, "FAIL ").size(), 0u) << run.output;
    // The rows of the table, by name: the program must really have checked
    // them, not skipped or forgotten them.
    for (const char *row :
         {"flags_nonzero_einval", "unaligned_addr_einval", "len_rounded_up_seals_the_whole_first_page",
          "len_rounds_to_zero_einval", "addr_plus_len_overflow_einval", "len0_null_returns_0",
          "len0_seals_nothing", "hole_enomem", "hole_enomem_seals_nothing", "seal_twice_returns_0",
          "mprotect_to_writable_eperm", "mprotect_to_the_same_protection_eperm", "pkey_mprotect_no_key_eperm",
          "munmap_eperm", "munmap_across_a_seal_unmaps_nothing", "mmap_fixed_eperm", "mmap_fixed_noreplace_eexist",
          "mremap_shrink_eperm", "mremap_grow_eperm", "mremap_move_eperm", "mremap_dontunmap_eperm",
          "mremap_same_size_eperm", "mremap_fixed_onto_a_sealed_destination_eperm", "remap_file_pages_eperm",
          "madvise_DONTNEED_sealed_read_only_anonymous_eperm", "madvise_FREE_sealed_read_only_anonymous_eperm",
          "madvise_DONTNEED_sealed_writable_anonymous_allowed",
          "madvise_DONTNEED_sealed_read_only_private_file_allowed", "madvise_WILLNEED_sealed_read_only_allowed",
          "process_madvise_DONTNEED_sealed_read_only_anonymous_eperm", "shmat_shm_remap_onto_a_sealed_range_eperm",
          "shmdt_of_a_sealed_segment_returns_0", "shmdt_of_a_sealed_segment_keeps_it_mapped",
          "brk_shrinking_into_a_sealed_heap_refused", "fork_child_mprotect_eperm", "fork_child_munmap_eperm",
          "neighbour_before_mprotect", "neighbour_before_munmap", "mprotect_across_a_seal_eperm",
          "thread_started_before_the_seal_mprotect_eperm", "exec_ends_the_seals_mprotect",
          "exec_ends_the_seals_munmap", "exec_new_image_seal_holds", "exec_parent_keeps_its_seal"}) {
        std::string line = std::string("PASS ") + row;
        EXPECT_TRUE(has_line(run.output, line)) << "no \"" << line << "\" line:\n" << run.output;
    }
    std::vector<std::string> summary = lines_starting_with(run.output, "mseal conformance summary: ");
    ASSERT_EQ(summary.size(), 1u) << run.output;
    EXPECT_NE(summary[0].find(", 0 failed,"), std::string::npos) << summary[0];
}

TEST(MsealConformance, FailsWhenMsealReturnsZeroButSealsNothing) {
    if (!kFilterKnowsThisArch) GTEST_SKIP() << "the fake-mseal filter is written for x86_64";
    fake_mseal_filter liar(0);
    outcome run = run_under(liar);
    ASSERT_TRUE(run.exited()) << run.describe();
    ASSERT_NE(run.exit_code(), 125) << "prctl(PR_SET_NO_NEW_PRIVS) failed";
    ASSERT_NE(run.exit_code(), 126) << "seccomp(SET_MODE_FILTER) failed";
    EXPECT_EQ(run.exit_code(), 1) << run.describe();
    // The argument checks pass (the fake answers 0 to everything, so the
    // EINVAL rows fail too), and every blocked operation succeeds.
    for (const char *row : {"mprotect_to_the_same_protection_eperm", "munmap_eperm", "mmap_fixed_eperm",
                            "mremap_same_size_eperm", "madvise_DONTNEED_sealed_read_only_anonymous_eperm",
                            "flags_nonzero_einval", "hole_enomem", "fork_child_mprotect_eperm",
                            "thread_started_before_the_seal_mprotect_eperm", "exec_parent_keeps_its_seal"}) {
        EXPECT_FALSE(lines_starting_with(run.output, std::string("FAIL ") + row + ":").empty())
            << "the fake mseal was not caught by " << row << ":\n" << run.output;
    }
    EXPECT_TRUE(has_line(run.output, "FAIL mprotect_to_the_same_protection_eperm: expected -1 EPERM got 0"))
        << run.output;
}

TEST(MsealConformance, SkipsWithOneLineWhereMsealIsMissing) {
    if (!kFilterKnowsThisArch) GTEST_SKIP() << "the fake-mseal filter is written for x86_64";
    fake_mseal_filter missing(ENOSYS);
    outcome run = run_under(missing);
    EXPECT_EQ(run.exit_code(), 77) << run.describe();
    EXPECT_EQ(std::count(run.output.begin(), run.output.end(), '\n'), 1) << run.output;
    EXPECT_NE(run.output.find("ENOSYS"), std::string::npos) << run.output;
    EXPECT_EQ(lines_starting_with(run.output, "PASS ").size(), 0u) << run.output;
}

TEST(MsealConformance, FailsWhenTheProbeIsRefused) {
    if (!kFilterKnowsThisArch) GTEST_SKIP() << "the fake-mseal filter is written for x86_64";
    fake_mseal_filter refused(EPERM);
    outcome run = run_under(refused);
    EXPECT_EQ(run.exit_code(), 1) << run.describe();
    EXPECT_TRUE(has_line(run.output, "FAIL probe_null_len0: expected 0 got -1 EPERM")) << run.output;
}

TEST(MsealConformance, RejectsArguments) {
    outcome run = run_program(program_path(kProgram), {"--verbose"}, kBareKernel);
    EXPECT_EQ(run.exit_code(), 2) << run.describe();
    EXPECT_EQ(run.output, "") << "the complaint goes to standard error";
}

// The program is the "unmodified program": it must not call into
// libsealkit (it is linked with it only because every test program is).
TEST(MsealConformance, CallsNothingOfSealkit) {
    std::string command = "nm -D --undefined-only '" + program_path(kProgram) + "' 2>&1";
    std::unique_ptr<FILE, int (*)(FILE *)> pipe(popen(command.c_str(), "r"), pclose);
    ASSERT_NE(pipe, nullptr);
    std::string symbols;
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe.get())) > 0) symbols.append(buffer, n);
    int status = pclose(pipe.release());
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) GTEST_SKIP() << "nm (binutils) is not installed";
    ASSERT_NE(symbols.find("syscall"), std::string::npos) << "nm did not list the program's imports:\n" << symbols;
    EXPECT_EQ(symbols.find("sealkit"), std::string::npos) << symbols;
}

}  // namespace
