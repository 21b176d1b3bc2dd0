// Backend selection (sealkit.h: sealkit_backend*) and the errno contract on
// every backend. The backend is chosen once per process, on first use, from
// SEALKIT_BACKEND, so each case runs a helper program (tests/programs/api_*)
// in a fresh process with the environment it needs.
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.h"

namespace {

using namespace sealkit_test;

// Runs a helper with SEALKIT_BACKEND set to `value` (or removed when
// value is nullptr).
template <typename PreExec = void (*)()>
outcome run_with_backend(const char *program, const char *value, const std::vector<std::string> &args = {},
                         PreExec pre_exec = no_pre_exec) {
    environment_change change;
    if (value != nullptr) change.set.emplace_back("SEALKIT_BACKEND", value);
    else change.unset.emplace_back("SEALKIT_BACKEND");
    return run_program(program_path(program), args, change, pre_exec);
}

std::string value_of(const outcome &o, const std::string &key) { return field(o.output, key).value_or("<missing>"); }

bool contains(const std::string &haystack, const std::string &needle) {
    return haystack.find(needle) != std::string::npos;
}

// ---------------------------------------------------------------------------
// Which backend

struct chosen {
    const char *value;  // SEALKIT_BACKEND, nullptr: unset
    const char *label;
};

void PrintTo(const chosen &c, std::ostream *out) {
    if (c.value == nullptr) *out << "SEALKIT_BACKEND unset";
    else *out << "SEALKIT_BACKEND=" << c.value;
}

class ChoosesKernel : public ::testing::TestWithParam<chosen> {
protected:
    void SetUp() override {
        if (!kernel_has_mseal()) GTEST_SKIP() << "this kernel has no mseal(2): auto/kernel cannot choose it";
    }
};

TEST_P(ChoosesKernel, HereBecauseTheKernelHasMseal) {
    outcome o = run_with_backend("api_backend_report", GetParam().value);
    ASSERT_EQ(o.exit_code(), 0) << o.describe();
    EXPECT_EQ(value_of(o, "kind"), std::to_string(SEALKIT_BACKEND_KERNEL));
    EXPECT_EQ(value_of(o, "name"), "kernel");
    EXPECT_EQ(value_of(o, "seal"), "0");
    EXPECT_EQ(value_of(o, "sealed"), "1") << "the kernel really sealed the page";
    EXPECT_EQ(value_of(o, "is_sealed"), "1");
    EXPECT_FALSE(value_of(o, "reason").empty());
}

INSTANTIATE_TEST_SUITE_P(All, ChoosesKernel,
                         ::testing::Values(chosen{nullptr, "Unset"}, chosen{"", "Empty"}, chosen{"auto", "Auto"},
                                           chosen{"kernel", "Kernel"}),
                         [](const ::testing::TestParamInfo<chosen> &param_info) { return param_info.param.label; });

TEST(BackendSelection, AutoReasonSaysWhy) {
    if (!kernel_has_mseal()) GTEST_SKIP() << "this kernel has no mseal(2)";
    outcome o = run_with_backend("api_backend_report", nullptr);
    ASSERT_EQ(o.exit_code(), 0) << o.describe();
    EXPECT_TRUE(contains(value_of(o, "reason"), "auto")) << value_of(o, "reason");
    EXPECT_TRUE(contains(value_of(o, "reason"), "mseal")) << value_of(o, "reason");
}

TEST(BackendSelection, ForcedKernelReasonNamesTheSetting) {
    if (!kernel_has_mseal()) GTEST_SKIP() << "this kernel has no mseal(2)";
    outcome o = run_with_backend("api_backend_report", "kernel");
    ASSERT_EQ(o.exit_code(), 0) << o.describe();
    EXPECT_TRUE(contains(value_of(o, "reason"), "SEALKIT_BACKEND=kernel")) << value_of(o, "reason");
}

TEST(BackendSelection, NoneDisablesSealing) {
    outcome o = run_with_backend("api_backend_report", "none");
    ASSERT_EQ(o.exit_code(), 0) << o.describe();
    EXPECT_EQ(value_of(o, "kind"), std::to_string(SEALKIT_BACKEND_NONE));
    EXPECT_EQ(value_of(o, "name"), "none");
    EXPECT_TRUE(contains(value_of(o, "reason"), "none")) << value_of(o, "reason");
    EXPECT_EQ(value_of(o, "seal"), "-1 ENOSYS");
    EXPECT_EQ(value_of(o, "sealed"), "0") << "nothing may be sealed";
    EXPECT_EQ(value_of(o, "is_sealed"), "0");
}

// An unknown value must not silently weaken protection: it fails closed to
// "none" (every seal reports ENOSYS) and says so.
TEST(BackendSelection, UnknownValueFailsClosedToNone) {
    outcome o = run_with_backend("api_backend_report", "bogus");
    ASSERT_EQ(o.exit_code(), 0) << o.describe();
    EXPECT_EQ(value_of(o, "kind"), std::to_string(SEALKIT_BACKEND_NONE));
    EXPECT_EQ(value_of(o, "name"), "none");
    EXPECT_EQ(value_of(o, "seal"), "-1 ENOSYS");
    EXPECT_EQ(value_of(o, "sealed"), "0");
    EXPECT_TRUE(contains(value_of(o, "reason"), "unknown")) << value_of(o, "reason");
}

// The reason must mention the unknown value itself, so that a typo in the
// environment (SEALKIT_BACKEND=kernle) can be spotted from the reason alone.
TEST(BackendSelection, UnknownValueReasonNamesTheValue) {
    outcome o = run_with_backend("api_backend_report", "bogus");
    ASSERT_EQ(o.exit_code(), 0) << o.describe();
    EXPECT_TRUE(contains(value_of(o, "reason"), "bogus"))
        << "reason does not name the unknown value: \"" << value_of(o, "reason") << "\"";
}

// SEALKIT_BACKEND=seccomp gives the seccomp backend wherever seccomp
// filters can be installed (they can on every machine these tests run on),
// and the seal it makes is reported as sealed.
TEST(BackendSelection, SeccompRequestGivesTheSeccompBackend) {
    outcome o = run_with_backend("api_backend_report", "seccomp");
    ASSERT_EQ(o.exit_code(), 0) << o.describe();
    EXPECT_EQ(value_of(o, "name"), "seccomp");
    EXPECT_EQ(value_of(o, "kind"), std::to_string(SEALKIT_BACKEND_SECCOMP));
    EXPECT_TRUE(contains(value_of(o, "reason"), "seccomp")) << value_of(o, "reason");
    EXPECT_EQ(value_of(o, "seal"), "0");
    EXPECT_EQ(value_of(o, "sealed"), "1");
}

TEST(BackendSelection, ChoiceIsMadeOnFirstUseNotAtLoad) {
    // Started with the variable unset; the helper sets it before its first
    // sealkit call.
    outcome o = run_with_backend("api_backend_report", nullptr, {"setenv", "none"});
    ASSERT_EQ(o.exit_code(), 0) << o.describe();
    EXPECT_EQ(value_of(o, "name"), "none");
    EXPECT_EQ(value_of(o, "seal"), "-1 ENOSYS");
}

TEST(BackendSelection, ChoiceIsMadeOncePerProcess) {
    outcome none_first = run_with_backend("api_backend_report", "none", {"switch", "kernel"});
    ASSERT_EQ(none_first.exit_code(), 0) << none_first.describe();
    EXPECT_EQ(value_of(none_first, "name"), "none");
    EXPECT_EQ(value_of(none_first, "name_after"), "none") << "changing the environment later changes nothing";
    EXPECT_EQ(value_of(none_first, "seal_after"), "-1 ENOSYS");

    if (!kernel_has_mseal()) return;
    outcome kernel_first = run_with_backend("api_backend_report", "kernel", {"switch", "none"});
    ASSERT_EQ(kernel_first.exit_code(), 0) << kernel_first.describe();
    EXPECT_EQ(value_of(kernel_first, "name_after"), "kernel");
    EXPECT_EQ(value_of(kernel_first, "seal_after"), "0");
    EXPECT_EQ(value_of(kernel_first, "sealed_after"), "1");
}

TEST(BackendSelection, KindAndNameAgree) {
    for (const char *value : {"none", "kernel", "auto", "seccomp", "bogus"}) {
        SCOPED_TRACE(value);
        outcome o = run_with_backend("api_backend_report", value);
        ASSERT_EQ(o.exit_code(), 0) << o.describe();
        const std::map<std::string, std::string> names{{std::to_string(SEALKIT_BACKEND_NONE), "none"},
                                                       {std::to_string(SEALKIT_BACKEND_KERNEL), "kernel"},
                                                       {std::to_string(SEALKIT_BACKEND_SECCOMP), "seccomp"}};
        auto it = names.find(value_of(o, "kind"));
        ASSERT_NE(it, names.end()) << value_of(o, "kind");
        EXPECT_EQ(value_of(o, "name"), it->second);
    }
}

// A kernel without mseal, simulated with a seccomp filter that makes
// syscall 462 fail with ENOSYS (as a pre-6.10 kernel does): a forced
// "kernel" backend that cannot work must give "none", not a backend that
// silently protects nothing; auto must pick the seccomp backend, whose
// seals really hold.
#if defined(__x86_64__)
constexpr __u32 kAuditArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr __u32 kAuditArch = AUDIT_ARCH_AARCH64;
#else
constexpr __u32 kAuditArch = 0;
#endif

void make_mseal_fail_with_enosys() {
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kAuditArch, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kMsealNr, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog program = {static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(91);
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) _exit(92);
}

class WithoutMseal : public ::testing::TestWithParam<chosen> {};

TEST_P(WithoutMseal, AutoPicksSeccompAndForcedKernelFailsClosed) {
    if (kAuditArch == 0) GTEST_SKIP() << "no seccomp audit arch known for this architecture";
    outcome o = run_with_backend("api_backend_report", GetParam().value, {}, make_mseal_fail_with_enosys);
    if (o.exit_code() == 91 || o.exit_code() == 92)
        GTEST_SKIP() << "cannot install a seccomp filter here (exit " << o.exit_code() << ")";
    ASSERT_EQ(o.exit_code(), 0) << o.describe();
    EXPECT_TRUE(contains(value_of(o, "reason"), "no mseal")) << value_of(o, "reason");
    if (GetParam().value != nullptr && std::string(GetParam().value) == "kernel") {
        EXPECT_EQ(value_of(o, "name"), "none");
        EXPECT_EQ(value_of(o, "kind"), std::to_string(SEALKIT_BACKEND_NONE));
        EXPECT_EQ(value_of(o, "seal"), "-1 ENOSYS");
        EXPECT_EQ(value_of(o, "sealed"), "0");
        EXPECT_EQ(value_of(o, "is_sealed"), "0");
        return;
    }
    EXPECT_EQ(value_of(o, "name"), "seccomp");
    EXPECT_EQ(value_of(o, "kind"), std::to_string(SEALKIT_BACKEND_SECCOMP));
    EXPECT_EQ(value_of(o, "seal"), "0");
    EXPECT_EQ(value_of(o, "sealed"), "1") << "the seal must really hold";
    EXPECT_EQ(value_of(o, "is_sealed"), "1");
}

INSTANTIATE_TEST_SUITE_P(All, WithoutMseal,
                         ::testing::Values(chosen{nullptr, "Unset"}, chosen{"auto", "Auto"},
                                           chosen{"kernel", "Kernel"}),
                         [](const ::testing::TestParamInfo<chosen> &param_info) { return param_info.param.label; });

// An earlier program's seccomp seals, inherited across exec, with ASLR off:
// its filter traps mseal (SECCOMP_RET_TRAP, for its own emulation) at code
// addresses this program now occupies, and this program has no SIGSYS
// handler yet. The probe used to die of that SIGSYS (exit 159); now it
// catches it, and the program runs unsealed with a reason: a seccomp seal
// made here would refuse the programs it runs in turn where they load.
void make_mseal_trap() {
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kAuditArch, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kMsealNr, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog program = {static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(91);
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) _exit(92);
}

class UnderAnInheritedMsealTrap : public ::testing::TestWithParam<chosen> {};

TEST_P(UnderAnInheritedMsealTrap, TheProgramRunsUnsealedAndSaysWhy) {
    if (kAuditArch == 0) GTEST_SKIP() << "no seccomp audit arch known for this architecture";
    outcome o = run_with_backend("api_backend_report", GetParam().value, {}, make_mseal_trap);
    if (o.exit_code() == 91 || o.exit_code() == 92)
        GTEST_SKIP() << "cannot install a seccomp filter here (exit " << o.exit_code() << ")";
    ASSERT_EQ(o.exit_code(), 0) << "killed by the trapped probe? " << o.describe();
    EXPECT_EQ(value_of(o, "name"), "none");
    EXPECT_TRUE(contains(value_of(o, "reason"), "an earlier program's seccomp seals trap mseal(2)"))
        << value_of(o, "reason");
    EXPECT_EQ(value_of(o, "seal"), "-1 ENOSYS");
    EXPECT_EQ(value_of(o, "sealed"), "0");
}

INSTANTIATE_TEST_SUITE_P(All, UnderAnInheritedMsealTrap,
                         ::testing::Values(chosen{nullptr, "Unset"}, chosen{"auto", "Auto"},
                                           chosen{"kernel", "Kernel"}, chosen{"seccomp", "Seccomp"}),
                         [](const ::testing::TestParamInfo<chosen> &param_info) { return param_info.param.label; });

// ---------------------------------------------------------------------------
// The errno table on each backend (api_seal_table: same cases as
// seal_api_test.cpp, sealkit_seal and raw mseal(2) side by side).

struct table_row {
    std::string sealkit;  // "RESULT ERRNO"
    std::string raw;
    std::string state;
    std::string raw_state;
};

std::map<std::string, table_row> parse_cases(const std::string &output) {
    std::map<std::string, table_row> rows;
    std::istringstream in(output);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string tag, name, r1, e1, r2, e2, s1, s2;
        if (!(words >> tag >> name) || tag != "case") continue;
        words >> r1 >> e1 >> r2 >> e2 >> s1 >> s2;
        rows[name] = {r1 + " " + e1, r2 + " " + e2, s1, s2};
    }
    return rows;
}

struct expected_case {
    const char *name;
    const char *kernel;  // result on the kernel: "0 0" or "-1 ERRNO"
    const char *state;   // after a successful kernel seal
};

// On the none backend: validation errors and holes as on the kernel, len 0
// still succeeds, every other call is ENOSYS and seals nothing.
const expected_case kTable[] = {
    {"FlagsOne", "-1 EINVAL", "u"},
    {"FlagsHighBit", "-1 EINVAL", "u"},
    {"FlagsWithLengthZero", "-1 EINVAL", "."},
    {"FlagsWithHole", "-1 EINVAL", "u-u"},
    {"UnalignedByOne", "-1 EINVAL", "uu"},
    {"UnalignedWithLengthZero", "-1 EINVAL", "u"},
    {"UnalignedWithHole", "-1 EINVAL", "u-u"},
    {"LengthSizeMax", "-1 EINVAL", "u"},
    {"LengthRoundsToZero", "-1 EINVAL", "u"},
    {"EndWrapsPastZero", "-1 EINVAL", "u"},
    {"EndWrapsToExactlyZero", "-1 EINVAL", "u"},
    {"LengthWrapsWithHole", "-1 EINVAL", "u-u"},
    {"NullLengthZero", "0 0", "."},
    {"MappedLengthZero", "0 0", "u"},
    {"UnmappedLengthZero", "0 0", "u-u"},
    {"NullPage", "-1 ENOMEM", "."},
    {"HoleInTheMiddle", "-1 ENOMEM", "u-u"},
    {"HoleAtTheStart", "-1 ENOMEM", "-uu"},
    {"RunsPastTheEnd", "-1 ENOMEM", "uu-"},
    {"KernelAddress", "-1 ENOMEM", "."},
    {"OneByteSealsTheWholePage", "0 0", "Su"},
    {"PagePlusOneByte", "0 0", "SSu"},
    {"WholeMapping", "0 0", "SSS"},
    {"MiddlePage", "0 0", "uSu"},
};

std::string unsealed(std::string state) {
    for (char &c : state)
        if (c == 'S') c = 'u';
    return state;
}

class ErrnoTableOnBackend : public ::testing::TestWithParam<chosen> {
protected:
    void SetUp() override {
        if (!kernel_has_mseal())
            GTEST_SKIP() << "this kernel has no mseal(2): the table compares sealkit with the raw system call";
    }
};

TEST_P(ErrnoTableOnBackend, MatchesTheContract) {
    const bool none = GetParam().value != nullptr && std::string(GetParam().value) == "none";
    outcome o = run_with_backend("api_seal_table", GetParam().value);
    ASSERT_EQ(o.exit_code(), 0) << o.describe();
    ASSERT_EQ(value_of(o, "backend"), none ? "none" : "kernel");
    std::map<std::string, table_row> rows = parse_cases(o.output);
    EXPECT_EQ(rows.size(), std::size(kTable)) << "the helper's table and this one must list the same cases";

    for (const expected_case &e : kTable) {
        SCOPED_TRACE(e.name);
        auto it = rows.find(e.name);
        ASSERT_NE(it, rows.end()) << "missing from the helper's output";
        const table_row &row = it->second;
        const bool plain_success = std::string(e.kernel) == "0 0" && std::string(e.state).find('S') != std::string::npos;
        EXPECT_EQ(row.raw, e.kernel) << "the kernel itself";
        EXPECT_EQ(row.raw_state, e.state) << "the kernel itself";
        if (none && plain_success) {
            EXPECT_EQ(row.sealkit, "-1 ENOSYS");
            EXPECT_EQ(row.state, unsealed(e.state)) << "nothing may be sealed on the none backend";
        } else {
            EXPECT_EQ(row.sealkit, e.kernel);
            EXPECT_EQ(row.state, e.state);
        }
        if (!none) {
            EXPECT_EQ(row.sealkit, row.raw) << "the kernel backend answers what mseal(2) answers";
        }
    }

    // The other entry points.
    struct check {
        const char *name;
        const char *kernel;
        const char *none;
    };
    for (check c : {check{"seal_again", "0 0 S", "-1 ENOSYS S"},
                    check{"seal_prot_none", "0 0 S", "-1 ENOSYS u"},
                    check{"mimmutable_page", "0 0 Su", "-1 ENOSYS uu"},
                    check{"mimmutable_hole", "0 0 S-S", "-1 ENOSYS u-u"},
                    check{"mimmutable_len0", "0 0", "0 0"},
                    check{"mimmutable_wrap", "-1 EINVAL", "-1 EINVAL"},
                    check{"is_sealed_unsealed", "0 0", "0 0"},
                    check{"is_sealed_raw_sealed", "1 0", "1 0"},
                    check{"is_sealed_partly", "0 0", "0 0"},
                    check{"is_sealed_hole", "-1 ENOMEM", "-1 ENOMEM"},
                    check{"is_sealed_len0", "1 0", "1 0"},
                    check{"is_sealed_unaligned", "-1 EINVAL", "-1 EINVAL"},
                    check{"map_private", "0 0", "0 0"},
                    check{"protect", "0 0", "0 0"},
                    check{"unmap", "0 0", "0 0"}}) {
        SCOPED_TRACE(c.name);
        EXPECT_EQ(value_of(o, std::string("check ") + c.name), none ? c.none : c.kernel);
    }
}

INSTANTIATE_TEST_SUITE_P(All, ErrnoTableOnBackend,
                         ::testing::Values(chosen{"kernel", "Kernel"}, chosen{nullptr, "Auto"},
                                           chosen{"none", "None"}),
                         [](const ::testing::TestParamInfo<chosen> &param_info) { return param_info.param.label; });

}  // namespace
