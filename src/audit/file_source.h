// Reads an ELF file for the audit without reading all of it: the first
// block once (it holds the ELF header and, in practice, the program
// headers and notes), then only the other ranges the analysis asks for,
// each with one pread(2). Big libraries cost a few small reads, not their
// size. pread rather than mmap: a file that shrinks while it is read gives a
// short read (reported as truncated), where a mapping would give SIGBUS.
//
//     file_source file;
//     if (int error = file.open(path)) ... strerror(error) ...
//     read_elf_facts(file, &facts, &problem);
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <vector>

#include "audit/byte_source.h"

namespace sealkit::audit {

class file_source final : public byte_source {
public:
    file_source() = default;
    file_source(const file_source &) = delete;
    file_source &operator=(const file_source &) = delete;
    ~file_source() override;

    // Opens path (following symlinks) relative to directory_fd (AT_FDCWD for
    // the current directory) and reads its first block. Returns 0 or an
    // errno. A FIFO, device or socket is opened but never read (the open is
    // non-blocking, so a FIFO cannot hang the scan): then not_regular().
    int open(int directory_fd, const char *path);
    // Whether the opened file is not a regular file (nothing was read).
    bool not_regular() const { return not_regular_; }
    // Closes the file; the object can open another one (its buffers are
    // kept, so a scan of many files allocates once).
    void close();

    uint64_t size() const override { return size_; }
    read_status read(uint64_t offset, size_t length, const unsigned char **out) override;
    int error() const override { return error_; }

private:
    int fd_ = -1;
    uint64_t size_ = 0;
    bool not_regular_ = false;
    int error_ = 0;
    std::vector<unsigned char> first_block_;  // bytes [0, first_length_)
    size_t first_length_ = 0;
    std::vector<unsigned char> scratch_;      // the last range read elsewhere
};

}  // namespace sealkit::audit
