// protected_memory<T> and the C protected-data API: every state transition
// (read-only at load, writer scopes, nesting, freeze, frozen), every misuse
// (write without a writer scope, writer after freeze, freeze twice, freeze
// with a writer open), and the attacks a freeze must stop, on globals in
// the sealkit_protected section and on instances made at run time. Every
// case that freezes runs on each backend (each_backend.h): the kernel's
// mseal and SEALKIT_BACKEND=seccomp.
#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <thread>
#include <tuple>
#include <vector>

#include "sealkit/protected_memory.hpp"
#include "sealkit/sealkit.h"
#include "each_backend.h"

namespace {

using sealkit_test::perms_at;
using sealkit_test::program_path;
using sealkit_test::run_program;

struct dispatch {
    int (*handler)(int);
    int limit;
    char name[24];
};
int twice(int x) { return 2 * x; }

// One global per test: a freeze is permanent, so tests never share one.
SEALKIT_PROTECTED_GLOBAL(dispatch, g_initial, dispatch{twice, 3, "initial"});
SEALKIT_PROTECTED_GLOBAL(dispatch, g_writer);
SEALKIT_PROTECTED_GLOBAL(dispatch, g_nested);
SEALKIT_PROTECTED_GLOBAL(dispatch, g_frozen, dispatch{twice, 7, "frozen"});
SEALKIT_PROTECTED_GLOBAL(dispatch, g_busy);
SEALKIT_PROTECTED_GLOBAL(dispatch, g_unscoped);
SEALKIT_PROTECTED_GLOBAL(dispatch, g_after_freeze);
SEALKIT_PROTECTED_GLOBAL(int, g_counter, 0);
SEALKIT_PROTECTED_GLOBAL(int, g_frozen_first, 1);
SEALKIT_PROTECTED_GLOBAL(int, g_frozen_later, 2);

TEST(ProtectedMemory, OccupiesWholePagesOfItsOwnInTheProtectedSection) {
    EXPECT_EQ(sizeof(g_initial) % 4096, 0u);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(&g_initial) % 4096, 0u);
    EXPECT_EQ(g_initial->limit, 3);
    EXPECT_EQ(g_initial->handler(4), 8);
}

TEST(ProtectedMemory, IsReadOnlyFromTheStartWithoutAWriterScope) {
    EXPECT_EQ(perms_at(&g_initial).substr(0, 3), "r--");
    EXPECT_FALSE(g_initial.frozen());
}

TEST(ProtectedMemoryDeathTest, AWriteOutsideAWriterScopeFaults) {
    EXPECT_EXIT(const_cast<dispatch &>(*g_unscoped).limit = 99, ::testing::KilledBySignal(SIGSEGV), "");
}

TEST(ProtectedMemory, AWriterScopeMakesItWritableAndReadOnlyAgainAfterwards) {
    {
        auto w = g_writer.make_writable();
        EXPECT_EQ(perms_at(&g_writer).substr(0, 3), "rw-");
        w->handler = twice;
        w->limit = 5;
    }
    EXPECT_EQ(perms_at(&g_writer).substr(0, 3), "r--");
    EXPECT_EQ(g_writer->limit, 5);
    EXPECT_EQ(g_writer->handler(2), 4);
}

TEST(ProtectedMemory, StaysWritableUntilTheLastNestedWriterLeaves) {
    auto outer = g_nested.make_writable();
    {
        auto inner = g_nested.make_writable();
        inner->limit = 1;
    }
    EXPECT_EQ(perms_at(&g_nested).substr(0, 3), "rw-") << "the outer writer is still open";
    outer->limit = 2;
    { auto done = std::move(outer); }
    EXPECT_EQ(perms_at(&g_nested).substr(0, 3), "r--");
    EXPECT_EQ(g_nested->limit, 2);
}

// The cases that freeze, on each backend. The seccomp cases run in a fresh
// process, so they freeze globals the kernel cases froze too.
class ProtectedMemoryOnEachBackend : public sealkit_test::EachBackendTest {};
class ProtectedMemoryOnEachBackendDeathTest : public sealkit_test::EachBackendTest {};
class ProtectedMemoryFreezeAll : public sealkit_test::EachBackendTest {};

TEST_ON_EACH_BACKEND(ProtectedMemoryOnEachBackend, FreezeMakesItReadOnlyAndSealedAndAgainIsANoOp) {
    ASSERT_FALSE(g_frozen.freeze());
    EXPECT_TRUE(g_frozen.frozen());
    EXPECT_EQ(perms_at(&g_frozen).substr(0, 3), "r--");
    EXPECT_EQ(sealkit_is_sealed(&g_frozen, sizeof g_frozen), 1);
    EXPECT_FALSE(g_frozen.freeze()) << "freezing twice is harmless";
    EXPECT_EQ(g_frozen->limit, 7);
}

TEST_ON_EACH_BACKEND(ProtectedMemoryOnEachBackend, FreezeWithAWriterOpenIsRefusedAsBusy) {
    auto w = g_busy.make_writable();
    EXPECT_EQ(g_busy.freeze(), std::errc::device_or_resource_busy);
    EXPECT_FALSE(g_busy.frozen());
}

TEST_ON_EACH_BACKEND(ProtectedMemoryOnEachBackendDeathTest, AWriterAfterFreezeAbortsWithAMessage) {
    ASSERT_FALSE(g_after_freeze.freeze());
    EXPECT_DEATH({ auto w = g_after_freeze.make_writable(); }, "cannot write frozen protected_memory");
}

// The attacker of the threat model: memory-management calls on frozen data.
class FrozenDataAttack : public sealkit_test::EachBackendTest {};

TEST_ON_EACH_BACKEND(FrozenDataAttack, EveryMappingChangeIsRefusedAndTheDataStaysIntact) {
    auto *data = sealkit::protected_memory<dispatch>::create(dispatch{twice, 11, "runtime"});
    ASSERT_NE(data, nullptr);
    ASSERT_FALSE(data->freeze());
    void *page = data;
    const size_t size = sizeof(*data);
    EXPECT_TRUE(sealkit_test::FailsWith(sealkit_test::attempt([&] { return mprotect(page, size, PROT_READ | PROT_WRITE); }), EPERM));
    EXPECT_TRUE(sealkit_test::FailsWith(sealkit_test::attempt([&] { return munmap(page, size); }), EPERM));
    EXPECT_TRUE(sealkit_test::FailsWith(
        sealkit_test::attempt([&] {
            return mmap(page, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
                           MAP_FAILED
                       ? -1
                       : 0;
        }),
        EPERM));
    EXPECT_TRUE(sealkit_test::FailsWith(
        sealkit_test::attempt([&] { return mremap(page, size, size * 2, MREMAP_MAYMOVE) == MAP_FAILED ? -1 : 0; }),
        EPERM));
    EXPECT_TRUE(sealkit_test::FailsWith(sealkit_test::attempt([&] { return madvise(page, size, MADV_DONTNEED); }), EPERM));
    EXPECT_EQ((*data)->limit, 11);
    EXPECT_EQ((*data)->handler(5), 10);
    EXPECT_STREQ((*data)->name, "runtime");
}

TEST_ON_EACH_BACKEND(ProtectedMemoryFreezeAll, CreateMakesReadOnlyPagesThatFreezeAllAlsoFreezes) {
    sealkit_test::outcome child = sealkit_test::run_in_child([](int report) {
        auto *made = sealkit::protected_memory<dispatch>::create(dispatch{twice, 4, "made"});
        if (made == nullptr) return 2;
        sealkit_test::report(report, "perms %s", perms_at(made).substr(0, 3).c_str());
        sealkit_test::report(report, "freeze-all %d", sealkit_freeze_protected_data());
        sealkit_test::report(report, "made-frozen %d", made->frozen() ? 1 : 0);
        sealkit_test::report(report, "global-frozen %d", g_counter.frozen() ? 1 : 0);
        sealkit_test::report(report, "global-sealed %d", sealkit_is_sealed(&g_counter, sizeof g_counter));
        return 0;
    });
    ASSERT_EQ(child.exit_code(), 0) << child.describe();
    EXPECT_EQ(sealkit_test::field(child.output, "perms"), "r--");
    EXPECT_EQ(sealkit_test::field(child.output, "freeze-all"), "0");
    EXPECT_EQ(sealkit_test::field(child.output, "made-frozen"), "1");
    EXPECT_EQ(sealkit_test::field(child.output, "global-frozen"), "1");
    EXPECT_EQ(sealkit_test::field(child.output, "global-sealed"), "1");
}

// Freezing one global and later everything: the section-wide freeze must
// step around the part that is already sealed (mprotect over it fails).
TEST_ON_EACH_BACKEND(ProtectedMemoryFreezeAll, FreezeAllAfterFreezingOneGlobalFreezesTheRest) {
    sealkit_test::outcome child = sealkit_test::run_in_child([](int report) {
        if (g_frozen_first.freeze()) return 2;
        sealkit_test::report(report, "freeze-all %d", sealkit_freeze_protected_data());
        sealkit_test::report(report, "later-frozen %d", g_frozen_later.frozen() ? 1 : 0);
        sealkit_test::report(report, "later-sealed %d", sealkit_is_sealed(&g_frozen_later, sizeof g_frozen_later));
        return 0;
    });
    ASSERT_EQ(child.exit_code(), 0) << child.describe();
    EXPECT_EQ(sealkit_test::field(child.output, "freeze-all"), "0");
    EXPECT_EQ(sealkit_test::field(child.output, "later-frozen"), "1");
    EXPECT_EQ(sealkit_test::field(child.output, "later-sealed"), "1");
}

TEST(ProtectedMemory, ConcurrentWritersNeverSeeTheDataReadOnly) {
    constexpr int kThreads = 4, kRounds = 2000;
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&] {
            while (!go) std::this_thread::yield();
            for (int i = 0; i < kRounds; ++i) {
                auto w = g_counter.make_writable();
                __atomic_fetch_add(&*w, 1, __ATOMIC_RELAXED);  // faults if another thread closed the pages
            }
        });
    go = true;
    for (auto &thread : threads) thread.join();
    EXPECT_EQ(*g_counter, kThreads * kRounds);
    EXPECT_EQ(perms_at(&g_counter).substr(0, 3), "r--");
}

TEST(ProtectedDataCApi, RejectsUnalignedRangesAndUnmatchedEnds) {
    alignas(4096) static char page[4096];
    errno = 0;
    EXPECT_EQ(sealkit_protected_begin_write(page + 1, 10), -1);
    EXPECT_EQ(errno, EINVAL);
    errno = 0;
    EXPECT_EQ(sealkit_protected_end_write(page, sizeof page), -1);
    EXPECT_EQ(errno, EINVAL);
    errno = 0;
    EXPECT_EQ(sealkit_protected_freeze(page, 0), -1);
    EXPECT_EQ(errno, EINVAL);
}

// A C program with SEALKIT_PROTECTED data, with and without startup
// sealing, on each backend: the preload must leave the section to the
// freeze, or the writer scope before the freeze would fail.
class ProtectedDataInAProgram : public ::testing::TestWithParam<std::tuple<std::string, bool>> {
protected:
    void SetUp() override {
        if (std::get<0>(GetParam()) == "kernel" && !sealkit_test::kernel_has_mseal())
            GTEST_SKIP() << "the kernel backend: this kernel has no mseal(2) (needs Linux 6.10+, 64-bit)";
    }
};

TEST_P(ProtectedDataInAProgram, WritesBeforeTheFreezeAndIsSealedAfterIt) {
    sealkit_test::environment_change change;
    change.unset = {"LD_PRELOAD"};
    change.set.emplace_back("SEALKIT_BACKEND", std::get<0>(GetParam()));
    if (std::get<1>(GetParam())) change.set.emplace_back("LD_PRELOAD", SEALKIT_PRELOAD_LIBRARY);
    auto run = run_program(program_path("protected_c_target"), {"writer-then-freeze"}, change);
    ASSERT_EQ(run.exit_code(), 0) << run.describe();
    EXPECT_EQ(sealkit_test::field(run.output, "initial"), "1 3 wheel");
    EXPECT_EQ(sealkit_test::field(run.output, "sealed-before-freeze"), "0");
    EXPECT_EQ(sealkit_test::field(run.output, "after-write"), "5");
    EXPECT_EQ(sealkit_test::field(run.output, "freeze"), "0");
    EXPECT_EQ(sealkit_test::field(run.output, "frozen"), "1 sealed 1");
    EXPECT_EQ(sealkit_test::field(run.output, "begin-write-after-freeze"), "Operation not permitted");
    EXPECT_EQ(sealkit_test::field(run.output, "mprotect-after-freeze"), "Operation not permitted");
    EXPECT_EQ(sealkit_test::field(run.output, "final"), "5");
}

INSTANTIATE_TEST_SUITE_P(EachBackendWithAndWithoutStartupSealing, ProtectedDataInAProgram,
                         ::testing::Combine(::testing::Values(std::string("kernel"), std::string("seccomp")), ::testing::Bool()),
                         [](const ::testing::TestParamInfo<ProtectedDataInAProgram::ParamType> &param) {
                             return std::get<0>(param.param) + "_backend_" +
                                    (std::get<1>(param.param) ? "under_the_preload" : "plain");
                         });

TEST(ProtectedDataInAProgramDeath, AnUnscopedWriteFaults) {
    auto run = run_program(program_path("protected_c_target"), {"write-unscoped"}, {});
    EXPECT_TRUE(run.signaled()) << run.describe();
    EXPECT_EQ(run.signal(), SIGSEGV) << run.describe();
    EXPECT_EQ(run.output.find("unscoped-write succeeded"), std::string::npos);
}

}  // namespace

#include <dlfcn.h>

namespace {

TEST_ON_EACH_BACKEND(ProtectedMemoryFreezeAll, FreezeAllLeavesAnUnloadablePluginAloneSoDlcloseUnmapsIt) {
    const std::string plugin = std::string(SEALKIT_TEST_PROGRAMS) + "/libprotected_plugin.so";
    sealkit_test::outcome child = sealkit_test::run_in_child([&](int report) {
        void *handle = dlopen(plugin.c_str(), RTLD_NOW);
        if (handle == nullptr) return 2;
        auto setting = reinterpret_cast<int (*)()>(dlsym(handle, "protected_plugin_setting"));
        void *code = reinterpret_cast<void *>(reinterpret_cast<uintptr_t>(setting) & ~uintptr_t{4095});
        sealkit_test::report(report, "setting %d", setting());
        sealkit_test::report(report, "freeze-all %d", sealkit_freeze_protected_data());
        sealkit_test::report(report, "main-frozen %d", g_initial.frozen() ? 1 : 0);
        dlclose(handle);
        sealkit_test::report(report, "mapped-after-dlclose %d", sealkit_test::is_mapped(code) ? 1 : 0);
        return 0;
    });
    ASSERT_EQ(child.exit_code(), 0) << child.describe();
    EXPECT_EQ(sealkit_test::field(child.output, "setting"), "7");
    EXPECT_EQ(sealkit_test::field(child.output, "freeze-all"), "0");
    EXPECT_EQ(sealkit_test::field(child.output, "main-frozen"), "1") << "the executable's own data is frozen";
    EXPECT_EQ(sealkit_test::field(child.output, "mapped-after-dlclose"), "0") << "dlclose could not unmap the plugin";
}

INSTANTIATE_ON_EACH_BACKEND(ProtectedMemoryOnEachBackend);
INSTANTIATE_ON_EACH_BACKEND(ProtectedMemoryOnEachBackendDeathTest);
INSTANTIATE_ON_EACH_BACKEND(FrozenDataAttack);
INSTANTIATE_ON_EACH_BACKEND(ProtectedMemoryFreezeAll);

}  // namespace

namespace {

// Ending one writer scope must not take write access away from another,
// overlapping one that is still open.
TEST(ProtectedDataCApi, EndingAnInnerScopeKeepsAnOverlappingOuterScopeWritable) {
    sealkit_test::outcome child = sealkit_test::run_in_child([](int report) {
        auto *pages = static_cast<char *>(sealkit_protected_allocate(8192));
        if (pages == nullptr) return 2;
        if (sealkit_protected_begin_write(pages, 8192) != 0) return 3;
        if (sealkit_protected_begin_write(pages, 4096) != 0) return 4;
        pages[0] = 'a';
        if (sealkit_protected_end_write(pages, 4096) != 0) return 5;
        pages[1] = 'b';  // faults if the inner end made the page read-only
        pages[4096] = 'c';
        if (sealkit_protected_end_write(pages, 8192) != 0) return 6;
        sealkit_test::report(report, "after %s %s", perms_at(pages).substr(0, 3).c_str(),
                             perms_at(pages + 4096).substr(0, 3).c_str());
        return 0;
    });
    ASSERT_EQ(child.exit_code(), 0) << child.describe();
    EXPECT_EQ(sealkit_test::field(child.output, "after"), "r-- r--") << "read-only again once both scopes ended";
}

}  // namespace
