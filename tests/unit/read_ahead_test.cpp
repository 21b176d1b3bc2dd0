// The CLI's read-ahead reader of /proc/PID/smaps (src/inspect/read_ahead.h)
// against the core's synchronous one: the same mappings, in the same order,
// for a process big enough to need the helper thread (5,000 mappings,
// several megabytes) and for a small one; a visitor that stops early stops
// the thread too, wherever it stops; a process killed mid-read leaves a
// consistent prefix; a missing process is ENOENT. Over chosen file
// descriptors: files ending exactly at a chunk boundary, a read error in
// the first chunk or in a later one (reported unless the visitor stopped
// before it), and a visitor that throws while the helper thread runs (the
// exception reaches the caller; no std::terminate).
#include <errno.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include <string>
#include <vector>

#include "inspect/read_ahead.h"
#include "procfs/mappings_reader.h"

namespace {

using sealkit::inspect::read_mappings_ahead;
using sealkit::inspect::read_mappings_ahead_from;
using sealkit::procfs::read_mappings_from;
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
            prctl(PR_SET_PDEATHSIG, SIGKILL);  // not left behind if the test dies
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

// Synthetic maps text of exactly `bytes` bytes: one-page mappings, the
// last line padded (or cut into a malformed one) to the size.
std::string maps_text(size_t bytes) {
    std::string text;
    char line[128];
    for (uint64_t i = 0;; ++i) {
        const int n = snprintf(line, sizeof line, "%012lx-%012lx r--p 00000000 00:00 0 \n",
                               static_cast<unsigned long>(0x7e0000000000 + 2 * i * 4096),
                               static_cast<unsigned long>(0x7e0000000000 + (2 * i + 1) * 4096));
        if (text.size() + static_cast<size_t>(n) > bytes) break;
        text.append(line, static_cast<size_t>(n));
    }
    if (text.size() < bytes) text += std::string(bytes - text.size() - 1, 'x') + "\n";
    return text;
}

// A socket whose other end has sent `text` and stays open: a read past the
// text waits SO_RCVTIMEO (50 ms) and fails with EAGAIN, a read error in
// the middle of the file.
struct socket_file {
    int fds[2] = {-1, -1};
    std::thread writer;
    explicit socket_file(const std::string &text, bool close_after) {
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return;
        timeval timeout{0, 50000};
        setsockopt(fds[0], SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        writer = std::thread([this, text, close_after] {
            size_t at = 0;
            while (at < text.size()) {
                const ssize_t n = send(fds[1], text.data() + at, text.size() - at, MSG_NOSIGNAL);
                if (n <= 0) break;
                at += static_cast<size_t>(n);
            }
            if (close_after) shutdown(fds[1], SHUT_WR);
        });
    }
    // The reading end first: a writer still blocked (nobody read the rest)
    // then fails with EPIPE and ends.
    ~socket_file() {
        close(fds[0]);
        if (writer.joinable()) writer.join();
        close(fds[1]);
    }
};

TEST(ReadAhead, FilesEndingAtAChunkBoundaryReadAsTheCoreReaderReadsThem) {
    for (size_t bytes : {size_t{256 * 1024 - 1}, size_t{256 * 1024}, size_t{256 * 1024 + 1}, size_t{512 * 1024},
                         size_t{1280 * 1024}, size_t{1536 * 1024 + 7}}) {
        const std::string text = maps_text(bytes);
        ASSERT_EQ(text.size(), bytes);
        rows ahead, plain;
        read_result a, p;
        {
            socket_file f(text, true);
            a = read_mappings_ahead_from(f.fds[0], collect, &ahead);
        }
        {
            socket_file f(text, true);
            p = read_mappings_from(f.fds[0], collect, &plain);
        }
        EXPECT_EQ(a.error, 0) << bytes;
        EXPECT_EQ(a.mappings, p.mappings) << bytes;
        EXPECT_EQ(a.malformed_lines, p.malformed_lines) << bytes;
        EXPECT_GT(a.mappings, 3000u * bytes / (1024 * 1024)) << bytes;
        EXPECT_TRUE(ahead.all == plain.all) << bytes;
    }
}

TEST(ReadAhead, AReadErrorIsReportedAsTheCoreReaderReportsIt) {
    // In the first chunk: a directory cannot be read.
    const int directory = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(directory, 0);
    rows none;
    EXPECT_EQ(read_mappings_ahead_from(directory, collect, &none).error, -EISDIR);
    close(directory);
    // In a later chunk: the socket runs dry 100 bytes into the third.
    const std::string text = maps_text(512 * 1024 + 100);
    rows ahead, plain;
    read_result a, p;
    {
        socket_file f(text, false);
        a = read_mappings_ahead_from(f.fds[0], collect, &ahead);
        shutdown(f.fds[1], SHUT_WR);
    }
    {
        socket_file f(text, false);
        p = read_mappings_from(f.fds[0], collect, &plain);
        shutdown(f.fds[1], SHUT_WR);
    }
    EXPECT_EQ(p.error, -EAGAIN);
    EXPECT_EQ(a.error, p.error);
    EXPECT_EQ(a.mappings, p.mappings);
    EXPECT_TRUE(ahead.all == plain.all);
}

struct slow_stop {
    rows r;
    size_t stop_at;
};

bool wait_then_stop(const mapping &m, void *context) {
    auto *s = static_cast<slow_stop *>(context);
    collect(m, &s->r);
    if (s->r.all.size() < s->stop_at) return true;
    // Long enough for the helper thread to meet the error further on.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return false;
}

TEST(ReadAhead, AReadErrorPastWhereTheVisitorStoppedIsNotReported) {
    const std::string text = maps_text(512 * 1024 + 100);
    socket_file f(text, false);
    slow_stop s{{}, 7000};  // in the helper's first chunk (about 5,350 49-byte lines a chunk)
    const read_result r = read_mappings_ahead_from(f.fds[0], wait_then_stop, &s);
    EXPECT_EQ(r.error, 0) << "the synchronous reader would never have read that far";
    EXPECT_TRUE(r.stopped_by_visitor);
    EXPECT_EQ(s.r.all.size(), 7000u);
}

bool throw_at_2000(const mapping &m, void *context) {
    auto *r = static_cast<rows *>(context);
    collect(m, r);
    if (r->all.size() == 2000) throw std::runtime_error("from the visitor");
    return true;
}

TEST(ReadAhead, AVisitorThatThrowsWhileTheHelperRunsReachesTheCaller) {
    mapped_child child(5000);
    ASSERT_GT(child.pid(), 0);
    rows ahead;
    EXPECT_THROW(read_mappings_ahead(child.pid(), mappings_file::smaps, throw_at_2000, &ahead), std::runtime_error);
    EXPECT_EQ(ahead.all.size(), 2000u);
}

}  // namespace
