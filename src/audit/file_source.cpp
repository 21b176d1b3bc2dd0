#include "audit/file_source.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sealkit::audit {
namespace {

// One page-cache friendly read covers the ELF header, the program headers
// and usually .note.gnu.property and the interpreter name.
constexpr size_t kFirstBlock = 4096;

// Reads exactly length bytes at offset, retrying short reads; returns the
// bytes read (fewer at end of file) or -errno.
long long read_fully(int fd, unsigned char *to, size_t length, uint64_t offset) {
    size_t done = 0;
    while (done < length) {
        ssize_t got = pread(fd, to + done, length - done, static_cast<off_t>(offset + done));
        if (got < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        if (got == 0) break;
        done += static_cast<size_t>(got);
    }
    return static_cast<long long>(done);
}

}  // namespace

file_source::~file_source() { close(); }

void file_source::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    size_ = 0;
    first_length_ = 0;
    not_regular_ = false;
    error_ = 0;
}

int file_source::open(int directory_fd, const char *path) {
    close();
    fd_ = openat(directory_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd_ < 0) return errno;
    struct stat st;
    if (fstat(fd_, &st) != 0) return errno;
    if (!S_ISREG(st.st_mode)) {
        not_regular_ = true;
        return 0;
    }
    size_ = static_cast<uint64_t>(st.st_size);
    first_block_.resize(kFirstBlock);
    size_t wanted = size_ < kFirstBlock ? static_cast<size_t>(size_) : kFirstBlock;
    long long got = read_fully(fd_, first_block_.data(), wanted, 0);
    if (got < 0) return static_cast<int>(-got);
    first_length_ = static_cast<size_t>(got);
    // The file shrank since fstat: what was read is all there is.
    if (first_length_ < wanted) size_ = first_length_;
    return 0;
}

read_status file_source::read(uint64_t offset, size_t length, const unsigned char **out) {
    if (offset > size_ || length > size_ - offset) return read_status::past_end;
    if (offset + length <= first_length_) {
        *out = first_block_.data() + offset;
        return read_status::ok;
    }
    if (scratch_.size() < length) scratch_.resize(length);
    long long got = read_fully(fd_, scratch_.data(), length, offset);
    if (got < 0) {
        error_ = static_cast<int>(-got);
        return read_status::failed;
    }
    if (static_cast<size_t>(got) < length) return read_status::past_end;  // it shrank meanwhile
    *out = scratch_.data();
    return read_status::ok;
}

}  // namespace sealkit::audit
