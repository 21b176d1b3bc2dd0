// Runs the seal_attack_* programs (tests/programs/seal_attack.h) under the
// kernel backend: each seals pages through sealkit_seal and attacks them
// through one entry into the kernel (the syscall instruction, int $0x80
// with i386 numbers, the x32 bit). Sealed: every attack refused with EPERM.
// Unsealed (the control): every attack succeeds, so the attack code works
// and a refusal means the seal did it. An entry this kernel does not have
// (exit 77) is reported as skipped with the program's reason, never passed.
#include <elf.h>

#include <fstream>
#include <sstream>
#include <string>

#include "test_support.h"

namespace {

using namespace sealkit_test;

const char *const kAttacks[] = {"mprotect", "munmap", "mremap", "mmap_fixed", "madvise", "pkey_mprotect"};

const environment_change kKernelBackend{{{"SEALKIT_BACKEND", "kernel"}}, {"LD_PRELOAD"}};

bool has_line(const std::string &output, const std::string &wanted) {
    std::istringstream in(output);
    std::string line;
    while (std::getline(in, line))
        if (line == wanted) return true;
    return false;
}

class SealAttack : public ::testing::TestWithParam<const char *> {
protected:
    void SetUp() override {
        if (!kernel_has_mseal()) GTEST_SKIP() << "this kernel has no mseal(2): the kernel backend cannot seal";
    }

    static outcome attack(const std::string &mode) {
        return run_program(program_path(GetParam()), {mode}, kKernelBackend);
    }
};

TEST_P(SealAttack, EveryAttackOnASealedPageIsRefusedWithEperm) {
    outcome run = attack("sealed");
    if (run.exit_code() == 77) GTEST_SKIP() << GetParam() << ": " << run.output;
    EXPECT_EQ(run.exit_code(), 0) << run.describe();
    EXPECT_TRUE(has_line(run.output, "backend kernel")) << run.output;
    for (const char *name : kAttacks)
        EXPECT_TRUE(has_line(run.output, std::string(name) + " refused EPERM intact")) << run.output;
    EXPECT_TRUE(has_line(run.output, "summary 6 of 6 as expected")) << run.output;
}

TEST_P(SealAttack, EveryAttackOnAnUnsealedPageSucceeds) {
    outcome run = attack("unsealed");
    if (run.exit_code() == 77) GTEST_SKIP() << GetParam() << ": " << run.output;
    EXPECT_EQ(run.exit_code(), 0) << run.describe();
    for (const char *name : kAttacks)
        EXPECT_TRUE(has_line(run.output, std::string(name) + " succeeded")) << run.output;
}

TEST_P(SealAttack, OneAttackByName) {
    outcome run = run_program(program_path(GetParam()), {"sealed", "mremap"}, kKernelBackend);
    if (run.exit_code() == 77) GTEST_SKIP() << GetParam() << ": " << run.output;
    EXPECT_EQ(run.exit_code(), 0) << run.describe();
    EXPECT_TRUE(has_line(run.output, "mremap refused EPERM intact")) << run.output;
    EXPECT_TRUE(has_line(run.output, "summary 1 of 1 as expected")) << run.output;
}

// A missing entry is a skip with a reason, never a pass: the probe mode
// answers 0 or 77, and 77 comes with one SKIP line.
TEST_P(SealAttack, ProbeSaysWhetherTheEntryExists) {
    outcome run = attack("probe");
    ASSERT_TRUE(run.exit_code() == 0 || run.exit_code() == 77) << run.describe();
    if (run.exit_code() == 77) {
        EXPECT_EQ(run.output.compare(0, 5, "SKIP "), 0) << run.output;
        EXPECT_EQ(std::count(run.output.begin(), run.output.end(), '\n'), 1) << run.output;
    } else {
        EXPECT_TRUE(has_line(run.output, "backend kernel")) << run.output;
    }
}

TEST_P(SealAttack, BadArgumentsExit2) {
    for (const std::vector<std::string> &args :
         {std::vector<std::string>{}, {"sideways"}, {"sealed", "mlock"}, {"sealed", "mprotect", "extra"}}) {
        outcome run = run_program(program_path(GetParam()), args, kKernelBackend);
        EXPECT_EQ(run.exit_code(), 2) << run.describe();
        EXPECT_EQ(run.output, "") << "the complaint goes to standard error";
    }
}

INSTANTIATE_TEST_SUITE_P(Entries, SealAttack,
                         ::testing::Values("seal_attack_syscall_insn", "seal_attack_int80", "seal_attack_x32"),
                         [](const ::testing::TestParamInfo<const char *> &param_info) {
                             return std::string(param_info.param).substr(sizeof "seal_attack_" - 1);
                         });

// The syscall instruction exists on every x86_64 kernel: that program must
// never skip here.
TEST(SealAttackEntries, TheSyscallInstructionIsAlwaysAvailable) {
#if defined(__x86_64__)
    outcome run = run_program(program_path("seal_attack_syscall_insn"), {"probe"}, kKernelBackend);
    EXPECT_EQ(run.exit_code(), 0) << run.describe();
#else
    GTEST_SKIP() << "not an x86_64 build";
#endif
}

// int $0x80 cuts pointers to 32 bits: the program must be a non-PIE
// executable (ET_EXEC) so that its own image lies below 4 GiB.
TEST(SealAttackEntries, Int80ProgramIsNotPositionIndependent) {
    std::ifstream in(program_path("seal_attack_int80"), std::ios::binary);
    ASSERT_TRUE(in.good());
    Elf64_Ehdr header{};
    in.read(reinterpret_cast<char *>(&header), sizeof header);
    ASSERT_EQ(in.gcount(), static_cast<std::streamsize>(sizeof header));
    ASSERT_EQ(memcmp(header.e_ident, ELFMAG, SELFMAG), 0);
    EXPECT_EQ(header.e_type, ET_EXEC) << "e_type " << header.e_type << " (ET_DYN means PIE)";
    EXPECT_LT(header.e_entry, 0x100000000UL);
}

}  // namespace
