// Tests of the /proc/PID/maps and smaps reader (src/procfs/mappings_reader):
// real processes (this one, children with many mappings, children that die
// while being read) and synthetic files with lines longer than its buffer.
#include <gtest/gtest.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "procfs/mappings_parser.h"
#include "procfs/mappings_reader.h"
#include "test_support.h"

namespace {

using sealkit::procfs::mapping;
using sealkit::procfs::mappings_file;
using sealkit::procfs::read_mappings;
using sealkit::procfs::read_mappings_from;
using sealkit::procfs::read_result;

constexpr long kMseal = 462;

size_t page() { return static_cast<size_t>(sysconf(_SC_PAGESIZE)); }

struct owned_mapping {
    mapping m;
    std::string path;
};

bool collect(const mapping &m, void *context) {
    owned_mapping copy{m, std::string(m.path, m.path_length)};
    copy.m.path = nullptr;
    static_cast<std::vector<owned_mapping> *>(context)->push_back(copy);
    return true;
}

// Finds the mapping that starts at a given address.
struct finder {
    explicit finder(uintptr_t where) : start(where) {}
    uintptr_t start;
    bool found = false;
    owned_mapping result{};
};

bool find_start(const mapping &m, void *context) {
    auto *f = static_cast<finder *>(context);
    if (m.start == f->start) {
        f->found = true;
        f->result = {m, std::string(m.path, m.path_length)};
        f->result.m.path = nullptr;
    }
    return true;
}

// Counts the mappings inside [start, end) and checks that they tile it
// page by page with alternating protections (as make_alternating made them).
struct region_counter {
    uintptr_t start;
    uintptr_t end;
    size_t count = 0;
    size_t bad = 0;  // wrong size, gap, or wrong protection
    uintptr_t next = 0;
    bool has_vmflags = true;
};

bool count_region(const mapping &m, void *context) {
    auto *r = static_cast<region_counter *>(context);
    if (m.end <= r->start || m.start >= r->end) return true;
    if (r->next == 0) r->next = r->start;
    size_t index = (m.start - r->start) / page();
    int expected_prot = index % 2 ? PROT_READ : PROT_READ | PROT_WRITE;
    if (m.start != r->next || m.length() != page() || m.prot != expected_prot) ++r->bad;
    if (!m.has_vmflags) r->has_vmflags = false;
    r->next = m.end;
    ++r->count;
    return true;
}

// count pages, each its own VMA: even pages read-write, odd read-only,
// between two PROT_NONE guard pages so that no neighbouring mapping (a
// sanitizer's, malloc's) can merge into the first or last page.
uintptr_t make_alternating(size_t count) {
    void *p = mmap(nullptr, (count + 2) * page(), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return 0;
    char *base = static_cast<char *>(p) + page();
    for (size_t i = 0; i < count; ++i)
        if (mprotect(base + i * page(), page(), i % 2 ? PROT_READ : PROT_READ | PROT_WRITE) != 0) return 0;
    return reinterpret_cast<uintptr_t>(base);
}

std::string proc_path(int pid, const char *file) { return "/proc/" + std::to_string(pid) + "/" + file; }

// ---------------------------------------------------------------------------
// This process

class temp_file {
public:
    temp_file() {
        char name[] = "/tmp/sealkit-reader-test-XXXXXX";
        fd_ = mkstemp(name);
        path_ = name;
    }
    ~temp_file() {
        if (fd_ >= 0) close(fd_);
        unlink(path_.c_str());
    }
    int fd() const { return fd_; }
    const std::string &path() const { return path_; }

private:
    int fd_ = -1;
    std::string path_;
};

TEST(MappingsReader, FindsAFileMappingTheTestJustCreatedThenSeesItSealed) {
    temp_file file;
    ASSERT_GE(file.fd(), 0);
    ASSERT_EQ(ftruncate(file.fd(), static_cast<off_t>(4 * page())), 0);
    struct stat st;
    ASSERT_EQ(fstat(file.fd(), &st), 0);
    void *p = mmap(nullptr, 2 * page(), PROT_READ, MAP_PRIVATE, file.fd(), static_cast<off_t>(page()));
    ASSERT_NE(p, MAP_FAILED);
    uintptr_t start = reinterpret_cast<uintptr_t>(p);

    for (mappings_file kind : {mappings_file::smaps, mappings_file::maps}) {
        finder f{start};
        read_result r = read_mappings(0, kind, find_start, &f);
        ASSERT_EQ(r.error, 0);
        EXPECT_EQ(r.malformed_lines, 0u);
        EXPECT_FALSE(r.stopped_by_visitor);
        EXPECT_GT(r.mappings, 5u);
        ASSERT_TRUE(f.found);
        const mapping &m = f.result.m;
        EXPECT_EQ(m.end, start + 2 * page());
        EXPECT_EQ(m.prot, PROT_READ);
        EXPECT_FALSE(m.shared);
        EXPECT_EQ(m.offset, page());
        EXPECT_EQ(m.inode, st.st_ino);
        EXPECT_EQ(m.dev_major, major(st.st_dev));
        EXPECT_EQ(m.dev_minor, minor(st.st_dev));
        EXPECT_EQ(f.result.path, file.path());
        EXPECT_FALSE(m.deleted);
        EXPECT_FALSE(m.sealed);
        EXPECT_EQ(m.has_vmflags, kind == mappings_file::smaps);
        if (kind == mappings_file::smaps) {
            EXPECT_EQ(m.size_kib * 1024, 2 * page());
        }
    }

    // Only the kernel's own mseal shows in smaps ("sl"); the seccomp backend
    // cannot, so on older kernels the test ends here.
    if (!sealkit_test::kernel_has_mseal())
        GTEST_SKIP() << "seeing the seal in smaps needs the kernel's mseal(2) (Linux 6.10+); found the mapping";
    ASSERT_EQ(syscall(kMseal, p, 2 * page(), 0), 0) << strerror(errno);
    finder sealed{start};
    read_result r = read_mappings(0, mappings_file::smaps, find_start, &sealed);
    ASSERT_EQ(r.error, 0);
    ASSERT_TRUE(sealed.found);
    EXPECT_TRUE(sealed.result.m.sealed);
    EXPECT_EQ(sealed.result.m.end, start + 2 * page());
    // maps has no VmFlags: it cannot know.
    finder in_maps{start};
    read_mappings(0, mappings_file::maps, find_start, &in_maps);
    ASSERT_TRUE(in_maps.found);
    EXPECT_FALSE(in_maps.result.m.sealed);
}

TEST(MappingsReader, SealingPartOfAMappingShowsOnlyThatPartSealed) {
    if (!sealkit_test::kernel_has_mseal())
        GTEST_SKIP() << "a seal shows in smaps only from the kernel's mseal(2) (Linux 6.10+)";
    // Three read-only pages between PROT_NONE guards (no merging).
    void *p = mmap(nullptr, 5 * page(), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(p, MAP_FAILED);
    uintptr_t start = reinterpret_cast<uintptr_t>(p) + page();
    ASSERT_EQ(mprotect(reinterpret_cast<void *>(start), 3 * page(), PROT_READ), 0);
    ASSERT_EQ(syscall(kMseal, start + page(), page(), 0), 0);
    std::vector<owned_mapping> all;
    ASSERT_EQ(read_mappings(0, mappings_file::smaps, collect, &all).error, 0);
    std::vector<owned_mapping> ours;
    for (const owned_mapping &o : all)
        if (o.m.start >= start && o.m.end <= start + 3 * page()) ours.push_back(o);
    ASSERT_EQ(ours.size(), 3u);
    EXPECT_FALSE(ours[0].m.sealed);
    EXPECT_TRUE(ours[1].m.sealed);
    EXPECT_EQ(ours[1].m.start, start + page());
    EXPECT_FALSE(ours[2].m.sealed);
}

TEST(MappingsReader, ProcessWithTenThousandMappingsIsReadCompletely) {
    constexpr size_t kCount = 10001;
    uintptr_t base = make_alternating(kCount);
    ASSERT_NE(base, 0u) << strerror(errno);
    for (mappings_file kind : {mappings_file::maps, mappings_file::smaps}) {
        region_counter region{base, base + kCount * page()};
        read_result r = read_mappings(0, kind, count_region, &region);
        ASSERT_EQ(r.error, 0);
        EXPECT_EQ(r.malformed_lines, 0u);
        EXPECT_EQ(region.count, kCount);
        EXPECT_EQ(region.bad, 0u);
        EXPECT_EQ(region.next, base + kCount * page());
        EXPECT_GE(r.mappings, kCount);
        EXPECT_EQ(region.has_vmflags, kind == mappings_file::smaps);
    }
    munmap(reinterpret_cast<void *>(base - page()), (kCount + 2) * page());
}

struct stop_after {
    size_t limit;
    size_t seen = 0;
};

bool stop_after_limit(const mapping &, void *context) {
    auto *s = static_cast<stop_after *>(context);
    return ++s->seen < s->limit;
}

TEST(MappingsReader, VisitorThatStopsIsReported) {
    stop_after stop{2};
    read_result r = read_mappings(0, mappings_file::smaps, stop_after_limit, &stop);
    EXPECT_EQ(r.error, 0);
    EXPECT_TRUE(r.stopped_by_visitor);
    EXPECT_EQ(stop.seen, 2u);
    EXPECT_EQ(r.mappings, 2u);
}

TEST(MappingsReader, NamedAnonymousMemoryIsReportedByName) {
    void *p = mmap(nullptr, page(), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(p, MAP_FAILED);
    if (prctl(0x53564d41 /* PR_SET_VMA */, 0 /* PR_SET_VMA_ANON_NAME */, reinterpret_cast<unsigned long>(p),
              page(), reinterpret_cast<unsigned long>("sealkit reader")) != 0) {
        ASSERT_EQ(errno, EINVAL);
        GTEST_SKIP() << "kernel without CONFIG_ANON_VMA_NAME: prctl(PR_SET_VMA_ANON_NAME) is EINVAL";
    }
    finder f{reinterpret_cast<uintptr_t>(p)};
    ASSERT_EQ(read_mappings(0, mappings_file::smaps, find_start, &f).error, 0);
    ASSERT_TRUE(f.found);
    EXPECT_EQ(f.result.path, "[anon:sealkit reader]");
}

// ---------------------------------------------------------------------------
// Other processes

TEST(MappingsReader, NonexistentPidIsENOENT) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) _exit(0);
    ASSERT_EQ(waitpid(pid, nullptr, 0), pid);
    ASSERT_EQ(kill(pid, 0), -1);  // reaped: the pid is free (unless reused at once)
    for (mappings_file kind : {mappings_file::maps, mappings_file::smaps}) {
        std::vector<owned_mapping> all;
        read_result r = read_mappings(pid, kind, collect, &all);
        EXPECT_EQ(r.error, -ENOENT);
        EXPECT_EQ(r.mappings, 0u);
        EXPECT_TRUE(all.empty());
    }
    read_result negative = read_mappings(-5, mappings_file::maps, collect, nullptr);
    EXPECT_EQ(negative.error, -ENOENT);
}

// A child with `count` alternating single-page mappings at a known address,
// stopped in pause() until killed.
class mapped_child {
public:
    explicit mapped_child(size_t count) : count_(count) {
        int ready[2];
        if (pipe(ready) != 0) return;
        pid_ = fork();
        if (pid_ == 0) {
            close(ready[0]);
            uintptr_t base = make_alternating(count);
            if (write(ready[1], &base, sizeof base) != sizeof base) _exit(1);
            for (;;) pause();
        }
        close(ready[1]);
        if (read(ready[0], &base_, sizeof base_) != sizeof base_) base_ = 0;
        close(ready[0]);
    }
    ~mapped_child() {
        if (pid_ > 0 && !reaped_) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }
    void kill_and_reap() {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        reaped_ = true;
    }
    pid_t pid() const { return pid_; }
    uintptr_t base() const { return base_; }
    uintptr_t end() const { return base_ + count_ * page(); }

private:
    size_t count_;
    pid_t pid_ = -1;
    uintptr_t base_ = 0;
    bool reaped_ = false;
};

// What was delivered must be a consistent prefix: ordered, not overlapping,
// well formed; every mapping but the last has its smaps details.
void expect_consistent(const std::vector<owned_mapping> &all) {
    uintptr_t previous_end = 0;
    for (size_t i = 0; i < all.size(); ++i) {
        const mapping &m = all[i].m;
        EXPECT_LT(m.start, m.end) << i;
        EXPECT_GE(m.start, previous_end) << i;
        if (i + 1 < all.size()) {
            EXPECT_TRUE(m.has_vmflags) << i;
        }
        previous_end = m.end;
    }
}

TEST(MappingsReader, ChildKilledWhileBeingReadGivesAConsistentPrefix) {
    constexpr size_t kCount = 6000;
    mapped_child child(kCount);
    ASSERT_GT(child.pid(), 0);
    ASSERT_NE(child.base(), 0u);
    int fd = open(proc_path(child.pid(), "smaps").c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);

    // Kill the child from inside the visitor, after 200 of its pages have
    // been seen: the reader is then between two read() calls.
    struct killer {
        mapped_child *child;
        std::vector<owned_mapping> seen{};
        size_t in_region = 0;
        bool killed = false;
    } k{&child};
    auto visit = [](const mapping &m, void *context) {
        auto *self = static_cast<killer *>(context);
        collect(m, &self->seen);
        if (m.start >= self->child->base() && m.end <= self->child->end()) ++self->in_region;
        if (self->in_region == 200 && !self->killed) {
            self->child->kill_and_reap();
            self->killed = true;
        }
        return true;
    };
    read_result r = read_mappings_from(fd, visit, &k);
    close(fd);
    ASSERT_TRUE(k.killed);
    EXPECT_TRUE(r.error == 0 || r.error == -ESRCH || r.error == -EIO) << r.error;
    EXPECT_FALSE(r.stopped_by_visitor);
    EXPECT_EQ(r.mappings, k.seen.size());
    EXPECT_GE(k.in_region, 200u);
    EXPECT_LT(k.in_region, kCount) << "the kill should have cut the file short";
    expect_consistent(k.seen);
    // Everything seen in the child's region is exactly what it created.
    region_counter region{child.base(), child.end()};
    for (const owned_mapping &o : k.seen) count_region(o.m, &region);
    EXPECT_EQ(region.bad, 0u);
}

TEST(MappingsReader, ChildKilledAndReapedBeforeTheFirstRead) {
    mapped_child child(100);
    ASSERT_GT(child.pid(), 0);
    for (const char *file : {"maps", "smaps"}) {
        int fd = open(proc_path(child.pid(), file).c_str(), O_RDONLY | O_CLOEXEC);
        ASSERT_GE(fd, 0);
        if (std::string(file) == "smaps") child.kill_and_reap();
        else kill(child.pid(), SIGKILL);  // maps: killed, maybe not yet reaped (zombie)
        if (std::string(file) == "maps") {
            // Wait for the exit itself (the mm is gone once it is a zombie).
            for (int i = 0; i < 1000; ++i) {
                std::ifstream stat(proc_path(child.pid(), "stat"));
                std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
                if (text.find(") Z ") != std::string::npos) break;
                usleep(1000);
            }
        }
        std::vector<owned_mapping> all;
        read_result r = read_mappings_from(fd, collect, &all);
        close(fd);
        EXPECT_TRUE(r.error == 0 || r.error == -ESRCH || r.error == -EIO) << file << ": " << r.error;
        EXPECT_EQ(r.mappings, 0u) << file;
        EXPECT_TRUE(all.empty());
    }
}

// ---------------------------------------------------------------------------
// Synthetic files: lines around the reader's buffer sizes

int memfd_with(const std::string &text) {
    int fd = static_cast<int>(syscall(SYS_memfd_create, "sealkit-reader-test", 0));
    if (fd < 0) return -1;
    size_t done = 0;
    while (done < text.size()) {
        ssize_t n = write(fd, text.data() + done, text.size() - done);
        if (n <= 0) return -1;
        done += static_cast<size_t>(n);
    }
    lseek(fd, 0, SEEK_SET);
    return fd;
}

// Through a pipe fed in uneven chunks by a writer thread, so the reader
// sees short reads that cut lines anywhere.
read_result read_through_pipe(const std::string &text, std::vector<owned_mapping> &out) {
    int fds[2];
    if (pipe(fds) != 0) return {};
    std::thread writer([&] {
        size_t done = 0, chunk = 1;
        while (done < text.size()) {
            size_t n = std::min(chunk, text.size() - done);
            ssize_t wrote = write(fds[1], text.data() + done, n);
            if (wrote <= 0) break;
            done += static_cast<size_t>(wrote);
            chunk = chunk * 7 % 70001 + 1;  // 1 B to 70 KB, irregular
        }
        close(fds[1]);
    });
    read_result r = read_mappings_from(fds[0], collect, &out);
    writer.join();
    close(fds[0]);
    return r;
}

std::string header(uintptr_t start, const std::string &path) {
    char line[128];
    snprintf(line, sizeof line, "%lx-%lx r--p 00000000 fe:00 7 ", static_cast<unsigned long>(start),
             static_cast<unsigned long>(start + 0x1000));
    return line + path + "\n";
}

constexpr size_t kMiB = 1024 * 1024;

std::string long_lines_text(size_t long_path_bytes) {
    return header(0x1000, "/first") + "Size: 4 kB\nVmFlags: rd \n" +
           header(0x2000, "/" + std::string(long_path_bytes - 1, 'L')) + "Size: 4 kB\nVmFlags: rd sl \n" +
           header(0x3000, "/after") + "Size: 4 kB\nRss: 4 kB\nVmFlags: rd mr sl \n" + header(0x4000, "/last");
}

void expect_long_line_parsed(const read_result &r, const std::vector<owned_mapping> &all, size_t path_bytes) {
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.malformed_lines, 0u);
    ASSERT_EQ(all.size(), 4u);
    EXPECT_EQ(all[0].path, "/first");
    EXPECT_EQ(all[1].path.size(), path_bytes);
    EXPECT_EQ(all[1].path.find_first_not_of('L', 1), std::string::npos);
    EXPECT_TRUE(all[1].m.sealed);
    EXPECT_EQ(all[2].path, "/after");
    EXPECT_TRUE(all[2].m.sealed);
    EXPECT_EQ(all[2].m.rss_kib, 4u);
    EXPECT_EQ(all[3].path, "/last");
}

// The reader looks for NUL bytes once per buffer rather than once per line
// (lines before the first NUL skip the parser's own check). A line holding a
// NUL must still count as malformed wherever it falls: in the bytes just
// read, or in a partial line carried over from the previous read. Real
// smaps text with NULs planted in several lines, read through a pipe in
// uneven chunks and from a file, must give exactly what feeding each line to
// the parser gives.
TEST(MappingsReader, LinesWithANulAreMalformedWhereverTheReadsCutThem) {
    std::ifstream smaps("/proc/self/smaps");
    std::stringstream copy;
    copy << smaps.rdbuf();
    std::string text = copy.str();
    ASSERT_GT(text.size(), 4096u);
    size_t planted = 0;
    for (size_t at = 97; at < text.size(); at += 1531)
        if (text[at] != '\n') text[at] = '\0', ++planted;
    ASSERT_GT(planted, 2u);

    std::vector<owned_mapping> expected;
    sealkit::procfs::mappings_parser parser(collect, &expected);
    for (size_t at = 0; at < text.size();) {
        size_t newline = text.find('\n', at);
        if (newline == std::string::npos) newline = text.size();
        parser.feed_line(text.data() + at, newline - at);
        at = newline + 1;
    }
    parser.finish();
    EXPECT_GE(parser.malformed_lines(), planted / 2) << "the planted NULs must make lines malformed";

    auto same = [&](const std::vector<owned_mapping> &got, const char *how) {
        ASSERT_EQ(got.size(), expected.size()) << how;
        for (size_t i = 0; i < got.size(); ++i) {
            EXPECT_EQ(got[i].m.start, expected[i].m.start) << how << " mapping " << i;
            EXPECT_EQ(got[i].path, expected[i].path) << how << " mapping " << i;
            EXPECT_EQ(got[i].m.size_kib, expected[i].m.size_kib) << how << " mapping " << i;
            EXPECT_EQ(got[i].m.rss_kib, expected[i].m.rss_kib) << how << " mapping " << i;
            EXPECT_EQ(got[i].m.has_vmflags, expected[i].m.has_vmflags) << how << " mapping " << i;
        }
    };
    std::vector<owned_mapping> piped;
    read_result through_pipe = read_through_pipe(text, piped);
    EXPECT_EQ(through_pipe.malformed_lines, parser.malformed_lines());
    same(piped, "through a pipe");
    const int fd = memfd_with(text);
    ASSERT_GE(fd, 0);
    std::vector<owned_mapping> from_file;
    read_result whole = read_mappings_from(fd, collect, &from_file);
    close(fd);
    EXPECT_EQ(whole.malformed_lines, parser.malformed_lines());
    same(from_file, "from a file");
    std::vector<owned_mapping> in_memory;
    EXPECT_EQ(sealkit::procfs::parse_mappings_text(text.data(), text.size(), collect, &in_memory),
              parser.malformed_lines());
    same(in_memory, "parse_mappings_text");

    // Reads cut right after each NUL, so that every NUL is in a partial line
    // the reader carries over to its next read: a SOCK_SEQPACKET socket
    // returns one packet per read, so the cuts are exactly these.
    int sockets[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sockets), 0);
    std::thread writer([&] {
        size_t done = 0;
        while (done < text.size()) {
            size_t cut = text.find('\0', done);
            cut = cut == std::string::npos ? text.size() : cut + 1;
            if (send(sockets[1], text.data() + done, cut - done, 0) <= 0) break;
            done = cut;
        }
        close(sockets[1]);
    });
    std::vector<owned_mapping> carried;
    read_result cut_after_each_nul = read_mappings_from(sockets[0], collect, &carried);
    writer.join();
    close(sockets[0]);
    EXPECT_EQ(cut_after_each_nul.malformed_lines, parser.malformed_lines());
    same(carried, "cut after each NUL");
}

TEST(MappingsReader, LinesLongerThanTheBufferButUnderOneMiBAreParsed) {
    // 100 KiB (over the 64 KiB first buffer) and just under 1 MiB.
    for (size_t path_bytes : {size_t{100 * 1024}, kMiB - 100}) {
        SCOPED_TRACE(path_bytes);
        std::string text = long_lines_text(path_bytes);
        int fd = memfd_with(text);
        ASSERT_GE(fd, 0);
        std::vector<owned_mapping> all;
        read_result r = read_mappings_from(fd, collect, &all);
        close(fd);
        expect_long_line_parsed(r, all, path_bytes);

        std::vector<owned_mapping> piped;
        read_result through_pipe = read_through_pipe(text, piped);
        expect_long_line_parsed(through_pipe, piped, path_bytes);
    }
}

void expect_long_line_skipped(const read_result &r, const std::vector<owned_mapping> &all) {
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.malformed_lines, 1u);
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].path, "/first");
    EXPECT_EQ(all[1].path, "/after");
    EXPECT_EQ(all[1].m.start, 0x3000u);
    EXPECT_TRUE(all[1].m.sealed);
    EXPECT_EQ(all[1].m.rss_kib, 4u);
    EXPECT_EQ(all[2].path, "/last");
    // The skipped header's details went to the mapping before it (there is
    // no way to tell them apart): the first mapping is the one affected.
    for (const owned_mapping &o : all) EXPECT_LT(o.path.size(), 100u);
}

TEST(MappingsReader, LineOverOneMiBIsMalformedAndTheFollowingLinesParse) {
    for (size_t path_bytes : {kMiB + 100, 3 * kMiB + 12345}) {
        SCOPED_TRACE(path_bytes);
        std::string text = long_lines_text(path_bytes);
        int fd = memfd_with(text);
        ASSERT_GE(fd, 0);
        std::vector<owned_mapping> all;
        read_result r = read_mappings_from(fd, collect, &all);
        close(fd);
        expect_long_line_skipped(r, all);

        std::vector<owned_mapping> piped;
        read_result through_pipe = read_through_pipe(text, piped);
        expect_long_line_skipped(through_pipe, piped);
    }
}

TEST(MappingsReader, LongLastLineWithoutNewlineUnderOneMiBIsParsed) {
    std::string text = header(0x1000, "/first") + header(0x2000, "/" + std::string(300 * 1024, 'L'));
    text.pop_back();  // no final newline
    int fd = memfd_with(text);
    ASSERT_GE(fd, 0);
    std::vector<owned_mapping> all;
    read_result r = read_mappings_from(fd, collect, &all);
    close(fd);
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.malformed_lines, 0u);
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[1].path.size(), 300 * 1024 + 1);
}

// Regression (fixed): an over-long last
// line with no final newline is dropped without being counted as malformed
// (read_mappings_from ignores the skipped bytes at end of file).
TEST(MappingsReader, LongLastLineWithoutNewlineOverOneMiBIsCountedMalformed) {
    std::string text = header(0x1000, "/first") + header(0x2000, "/" + std::string(2 * kMiB, 'L'));
    text.pop_back();
    int fd = memfd_with(text);
    ASSERT_GE(fd, 0);
    std::vector<owned_mapping> all;
    read_result r = read_mappings_from(fd, collect, &all);
    close(fd);
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.malformed_lines, 1u);
    ASSERT_EQ(all.size(), 1u);
}

TEST(MappingsReader, ReadErrorsAreReturnedAsNegativeErrno) {
    int write_only = open("/dev/null", O_WRONLY | O_CLOEXEC);
    ASSERT_GE(write_only, 0);
    read_result r = read_mappings_from(write_only, collect, nullptr);
    close(write_only);
    EXPECT_EQ(r.error, -EBADF);
    EXPECT_EQ(r.mappings, 0u);

    int directory = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(directory, 0);
    r = read_mappings_from(directory, collect, nullptr);
    close(directory);
    EXPECT_EQ(r.error, -EISDIR);
}

TEST(MappingsReader, EmptyFileHasNoMappingsAndNoError) {
    int fd = memfd_with("");
    ASSERT_GE(fd, 0);
    read_result r = read_mappings_from(fd, collect, nullptr);
    close(fd);
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.mappings, 0u);
    EXPECT_EQ(r.malformed_lines, 0u);
    EXPECT_FALSE(r.stopped_by_visitor);
}

}  // namespace
