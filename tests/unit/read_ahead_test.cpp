// The CLI's read-ahead reader of /proc/PID/smaps (src/inspect/read_ahead.h)
// against the core's synchronous one: the same mappings, in the same order,
// for a process big enough to need the helper thread (5,000 mappings,
// several megabytes) and for a small one; a visitor that stops early stops
// the thread too, wherever it stops; a process killed mid-read leaves a
// consistent prefix; a missing process is ENOENT.
#include <errno.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "inspect/read_ahead.h"
#include "procfs/mappings_reader.h"

namespace {

using sealkit::inspect::read_mappings_ahead;
using sealkit::procfs::mapping;
using sealkit::procfs::mappings_file;
using sealkit::procfs::read_mappings;
using sealkit::procfs::read_result;

const size_t kPage = static_cast<size_t>(sysconf(_SC_PAGESIZE));

struct row {
    uintptr_t start, end;
    int prot;
    bool sealed, has_vmflags;
    std::string path;
    bool operator==(const row &o) const {
        return start == o.start && end == o.end && prot == o.prot && sealed == o.sealed &&
               has_vmflags == o.has_vmflags && path == o.path;
    }
};

struct rows {
    std::vector<row> all;
    size_t stop_after = SIZE_MAX;
    pid_t kill_after_pid = 0;  // kill (and reap) this process once kill_after rows are seen
    size_t kill_after = 0;
};

bool collect(const mapping &m, void *context) {
    auto *r = static_cast<rows *>(context);
    r->all.push_back({m.start, m.end, m.prot, m.sealed, m.has_vmflags, std::string(m.path, m.path_length)});
    if (r->kill_after_pid > 0 && r->all.size() == r->kill_after) {
        kill(r->kill_after_pid, SIGKILL);
        waitpid(r->kill_after_pid, nullptr, 0);
        r->kill_after_pid = 0;
    }
    return r->all.size() < r->stop_after;
}

// A child with `count` one-page mappings, alternately read-only and
// read-write (so none merge), waiting to be killed.
class mapped_child {
public:
    explicit mapped_child(size_t count) {
        int ready[2];
        if (pipe(ready) != 0) return;
        pid_ = fork();
        if (pid_ == 0) {
            close(ready[0]);
            char *base = static_cast<char *>(
                mmap(nullptr, count * kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
            for (size_t i = 1; base != MAP_FAILED && i < count; i += 2)
                mprotect(base + i * kPage, kPage, PROT_READ | PROT_WRITE);
            (void)!write(ready[1], "x", 1);
            for (;;) pause();
        }
        close(ready[1]);
        char c;
        if (read(ready[0], &c, 1) != 1) pid_ = -1;
        close(ready[0]);
    }
    ~mapped_child() {
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }
    pid_t pid() const { return pid_; }
    void forget() { pid_ = -1; }

private:
    pid_t pid_ = -1;
};

TEST(ReadAhead, ABigProcessReadsAsTheCoreReaderReadsIt) {
    mapped_child child(5000);
    ASSERT_GT(child.pid(), 0);
    for (mappings_file file : {mappings_file::smaps, mappings_file::maps}) {
        rows ahead, plain;
        const read_result a = read_mappings_ahead(child.pid(), file, collect, &ahead);
        const read_result p = read_mappings(child.pid(), file, collect, &plain);
        ASSERT_EQ(a.error, 0);
        ASSERT_EQ(p.error, 0);
        EXPECT_GE(ahead.all.size(), 5000u);
        EXPECT_EQ(a.mappings, ahead.all.size());
        EXPECT_EQ(a.malformed_lines, 0u);
        EXPECT_FALSE(a.stopped_by_visitor);
        EXPECT_TRUE(ahead.all == plain.all) << "different mappings from the two readers";
    }
}

// (Another process: this one's own maps change as the rows are stored.)
TEST(ReadAhead, ASmallProcessReadsAsTheCoreReaderReadsIt) {
    mapped_child child(10);
    ASSERT_GT(child.pid(), 0);
    rows ahead, plain;
    ASSERT_EQ(read_mappings_ahead(child.pid(), mappings_file::smaps, collect, &ahead).error, 0);
    ASSERT_EQ(read_mappings(child.pid(), mappings_file::smaps, collect, &plain).error, 0);
    EXPECT_GT(ahead.all.size(), 10u);
    EXPECT_TRUE(ahead.all == plain.all);
}

TEST(ReadAhead, AVisitorThatStopsStopsTheReadingWhereverItStops) {
    mapped_child child(5000);
    ASSERT_GT(child.pid(), 0);
    // In the first chunk (no thread yet), in the thread's chunks, near the end.
    for (size_t stop : {size_t{3}, size_t{700}, size_t{2600}, size_t{4990}}) {
        rows ahead;
        ahead.stop_after = stop;
        const read_result r = read_mappings_ahead(child.pid(), mappings_file::smaps, collect, &ahead);
        EXPECT_EQ(r.error, 0);
        EXPECT_TRUE(r.stopped_by_visitor) << stop;
        EXPECT_EQ(ahead.all.size(), stop) << "no mapping after the visitor said stop";
    }
}

TEST(ReadAhead, AProcessKilledMidReadLeavesAConsistentPrefix) {
    mapped_child child(6000);
    ASSERT_GT(child.pid(), 0);
    rows ahead;
    ahead.kill_after_pid = child.pid();
    ahead.kill_after = 1000;
    const read_result r = read_mappings_ahead(child.pid(), mappings_file::smaps, collect, &ahead);
    child.forget();
    EXPECT_TRUE(r.error == 0 || r.error == -ESRCH || r.error == -EIO) << r.error;
    EXPECT_GE(ahead.all.size(), 1000u);
    EXPECT_LT(ahead.all.size(), 6000u) << "the kill should have cut the file short";
    for (size_t i = 1; i < ahead.all.size(); ++i) EXPECT_LE(ahead.all[i - 1].end, ahead.all[i].start) << i;
}

TEST(ReadAhead, AMissingProcessIsENOENT) {
    rows ahead;
    EXPECT_EQ(read_mappings_ahead(999999999, mappings_file::smaps, collect, &ahead).error, -ENOENT);
    EXPECT_TRUE(ahead.all.empty());
}

}  // namespace
