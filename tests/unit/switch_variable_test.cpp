// Every boolean SEALKIT_* switch is read by one reader with the same words
// (1/yes/true/on, 0/no/false/off, empty = unset), and the core's switches
// fail closed on a value they do not understand: SEALKIT_DENY_IO_URING
// denies, SEALKIT_EMULATE_MSEAL and SEALKIT_EXEC_GUARD stay on.
#include <errno.h>
#include <linux/io_uring.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

#include "seccomp/exec_guard.h"
#include "seccomp/process_rules.h"
#include "sealkit/sealkit.h"
#include "system/switch_variable.h"
#include "test_support.h"

namespace {

using sealkit::sys::parse_switch;
using sealkit::sys::switch_value;
using sealkit_test::outcome;
using sealkit_test::run_in_child;

TEST(SwitchVariable, TheSameWordsMeanOnAndOffEverywhere) {
    for (const char *on : {"1", "yes", "true", "on"}) EXPECT_EQ(parse_switch(on), switch_value::on) << on;
    for (const char *off : {"0", "no", "false", "off"}) EXPECT_EQ(parse_switch(off), switch_value::off) << off;
    EXPECT_EQ(parse_switch(nullptr), switch_value::unset);
    EXPECT_EQ(parse_switch(""), switch_value::unset);
    for (const char *other : {"2", "maybe", "YES", " 1", "1 ", "enabled", "o"})
        EXPECT_EQ(parse_switch(other), switch_value::unknown) << "'" << other << "'";
}

TEST(SwitchVariable, SwitchIsOnTakesTheGivenSideForUnsetAndUnknown) {
    for (const char *value : {"", "bogus", "on", "off"}) {
        setenv("SEALKIT_TEST_SWITCH", value, 1);
        const switch_value read = parse_switch(value);
        const bool expected_when_closed = read == switch_value::off ? false : true;
        EXPECT_EQ(sealkit::sys::switch_is_on("SEALKIT_TEST_SWITCH", true, true), expected_when_closed) << value;
    }
    setenv("SEALKIT_TEST_SWITCH", "bogus", 1);
    EXPECT_FALSE(sealkit::sys::switch_is_on("SEALKIT_TEST_SWITCH", true, false));
    unsetenv("SEALKIT_TEST_SWITCH");
    EXPECT_FALSE(sealkit::sys::switch_is_on("SEALKIT_TEST_SWITCH", false, true));
}

// 1: io_uring_setup was refused with EPERM after a seal under the seccomp
// backend; 0: it was allowed.
int io_uring_refused_with(const char *value) {
    outcome run = run_in_child([value](int) {
        setenv("SEALKIT_BACKEND", "seccomp", 1);
        if (value) setenv("SEALKIT_DENY_IO_URING", value, 1);
        else unsetenv("SEALKIT_DENY_IO_URING");
        void *p = mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (sealkit_seal(p, 4096, 0) != 0) return 10;
        io_uring_params params{};
        long fd = syscall(SYS_io_uring_setup, 1, &params);
        const bool refused = fd < 0 && errno == EPERM;
        if (fd >= 0) close(static_cast<int>(fd));
        return refused ? 1 : 0;
    });
    return run.exit_code();
}

TEST(SwitchVariable, DenyIoUringTakesEveryOnWordAndDeniesOnAValueItDoesNotUnderstand) {
    for (const char *value : {"1", "yes", "true", "on", "bogus", "2"})
        EXPECT_EQ(io_uring_refused_with(value), 1) << "SEALKIT_DENY_IO_URING=" << value;
    for (const char *value : {"0", "no", "off", ""})
        EXPECT_EQ(io_uring_refused_with(value), 0) << "SEALKIT_DENY_IO_URING=" << value;
    EXPECT_EQ(io_uring_refused_with(nullptr), 0) << "unset";
}

// 1: mseal emulation is on after the seccomp backend started; 0: off.
int emulation_with(const char *value) {
    outcome run = run_in_child([value](int) {
        setenv("SEALKIT_BACKEND", "seccomp", 1);
        setenv("SEALKIT_EMULATE_MSEAL", value, 1);
        void *p = mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (sealkit_seal(p, 4096, 0) != 0) return 10;
        return sealkit::seccomp::seal_emulation_enabled() ? 1 : 0;
    });
    return run.exit_code();
}

TEST(SwitchVariable, EmulateMsealIsTurnedOffByEveryOffWordAndKeptOnByAnUnknownValue) {
    for (const char *value : {"0", "no", "false", "off"}) EXPECT_EQ(emulation_with(value), 0) << value;
    for (const char *value : {"1", "on", "bogus", ""}) EXPECT_EQ(emulation_with(value), 1) << value;
}

TEST(SwitchVariable, ExecGuardIsTurnedOffByEveryOffWordAndKeptByAnUnknownValue) {
    const char *why = nullptr;
    unsetenv("SEALKIT_EXEC_GUARD");
    if (!sealkit::seccomp::exec_guard_possible(&why)) GTEST_SKIP() << "no exec guard on this kernel: " << why;
    for (const char *value : {"0", "no", "false", "off"}) {
        setenv("SEALKIT_EXEC_GUARD", value, 1);
        EXPECT_FALSE(sealkit::seccomp::exec_guard_possible(&why)) << value;
    }
    for (const char *value : {"1", "yes", "bogus", ""}) {
        setenv("SEALKIT_EXEC_GUARD", value, 1);
        EXPECT_TRUE(sealkit::seccomp::exec_guard_possible(&why)) << value << ": " << (why ? why : "");
    }
    unsetenv("SEALKIT_EXEC_GUARD");
}

}  // namespace
