#include "inspect/read_ahead.h"

#include <errno.h>
#include <unistd.h>

#include <condition_variable>
#include <memory>
#include <new>
#include <mutex>
#include <system_error>
#include <thread>

#include "procfs/mappings_stream.h"

namespace sealkit::inspect {
namespace {

constexpr size_t kChunk = 256 * 1024;
constexpr size_t kChunks = 4;  // a megabyte in flight at most

// Chunks handed from the reading thread to the parsing one, in order.
class chunk_queue {
public:
    chunk_queue() {
        for (auto &c : chunks_) c.bytes = std::make_unique<char[]>(kChunk);
    }

    // The reading thread: fills free chunks until the file ends or the
    // parser gives up.
    void read_all(int fd) {
        for (size_t next = 0;; next = (next + 1) % kChunks) {
            {
                std::unique_lock<std::mutex> lock(mutex_);
                freed_.wait(lock, [&] { return filled_ < kChunks || abandoned_; });
                if (abandoned_) return;
            }
            bool ended = false;
            long error = 0;
            chunk &c = chunks_[next];
            c.length = procfs::read_mappings_chunk(fd, c.bytes.get(), kChunk, ended, error);
            std::lock_guard<std::mutex> lock(mutex_);
            ++filled_;
            ended_ = ended;
            error_ = error;
            ready_.notify_one();
            if (ended) return;
        }
    }

    // The parsing thread: feeds chunks to the stream in order until the
    // file ends or the stream stops; then tells the reader to stop.
    long parse_all(procfs::mappings_stream &stream) {
        for (size_t next = 0;; next = (next + 1) % kChunks) {
            bool last;
            {
                std::unique_lock<std::mutex> lock(mutex_);
                ready_.wait(lock, [&] { return filled_ > 0; });
                last = ended_ && filled_ == 1;
            }
            const chunk &c = chunks_[next];
            const bool more = stream.feed(c.bytes.get(), c.length);
            std::lock_guard<std::mutex> lock(mutex_);
            --filled_;
            if (!more) abandoned_ = true;
            freed_.notify_one();
            // A read error the parser never reached is not reported, as
            // the synchronous reader would not have met it.
            if (last) return error_;
            if (!more) return 0;
        }
    }

    // The parser gave up (an exception from the visitor): read no more.
    void abandon() {
        std::lock_guard<std::mutex> lock(mutex_);
        abandoned_ = true;
        freed_.notify_one();
    }

private:
    struct chunk {
        std::unique_ptr<char[]> bytes;
        size_t length = 0;
    };
    chunk chunks_[kChunks];
    std::mutex mutex_;
    std::condition_variable ready_, freed_;
    size_t filled_ = 0;       // chunks read and not yet parsed
    bool ended_ = false;      // the reader filled its last chunk
    long error_ = 0;          // the read error that ended the file
    bool abandoned_ = false;  // the parser stopped: read no more
};

// Closes the file however read_mappings_ahead leaves.
struct file_closer {
    int fd;
    ~file_closer() { close(fd); }
};

}  // namespace

procfs::read_result read_mappings_ahead_from(int fd, procfs::mapping_visitor visitor, void *context) {
    procfs::mappings_stream stream(visitor, context);
    std::unique_ptr<char[]> first(new (std::nothrow) char[kChunk]);
    if (first == nullptr) return stream.finish(-ENOMEM);
    // The first chunk here: most files end within it.
    bool ended = false;
    long error = 0;
    bool more = stream.feed(first.get(), procfs::read_mappings_chunk(fd, first.get(), kChunk, ended, error));
    if (!more || ended) return stream.finish(error);
    std::unique_ptr<chunk_queue> queue;
    std::thread reader;
    try {
        queue = std::make_unique<chunk_queue>();
        reader = std::thread([&] { queue->read_all(fd); });
    } catch (const std::exception &) {
        // No memory or no thread: read the rest here, as the core reader does.
        while (more && !ended)
            more = stream.feed(first.get(), procfs::read_mappings_chunk(fd, first.get(), kChunk, ended, error));
        return stream.finish(error);
    }
    try {
        error = queue->parse_all(stream);
    } catch (...) {
        queue->abandon();
        reader.join();
        throw;
    }
    reader.join();
    return stream.finish(error);
}

procfs::read_result read_mappings_ahead(int pid, procfs::mappings_file file, procfs::mapping_visitor visitor,
                                        void *context) {
    const int fd = procfs::open_mappings(pid, file);
    if (fd < 0) {
        procfs::read_result result;
        result.error = fd;
        return result;
    }
    const file_closer closer{fd};
    return read_mappings_ahead_from(fd, visitor, context);
}

}  // namespace sealkit::inspect
