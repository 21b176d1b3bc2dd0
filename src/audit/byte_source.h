// Where the ELF audit gets its bytes: a file on disk (file_source.h) or a
// buffer in memory (the fuzz target and the unit tests), behind one small
// interface so the analysis never reads more than it asks for.
//
// The analysis asks for a handful of ranges per file (the ELF header, the
// program headers, the dynamic section, the notes), one at a time: bytes
// handed out stay valid until the next read. For example:
//
//     memory_source source(data, size);
//     const unsigned char *header;
//     if (source.read(0, 64, &header) == read_status::ok) ...
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace sealkit::audit {

enum class read_status {
    ok,
    past_end,  // the range does not lie inside the file: it is truncated
    failed,    // the read itself failed (an I/O error); error() says why
};

class byte_source {
public:
    virtual ~byte_source() = default;
    // The size of the whole file in bytes.
    virtual uint64_t size() const = 0;
    // Makes bytes [offset, offset + length) available at *out until the
    // next call.
    virtual read_status read(uint64_t offset, size_t length, const unsigned char **out) = 0;
    // The errno of the last failed read (0 if none).
    virtual int error() const { return 0; }
};

// A buffer the caller keeps alive: reads are views into it, never copies.
class memory_source final : public byte_source {
public:
    memory_source(const void *bytes, size_t size) : bytes_(static_cast<const unsigned char *>(bytes)), size_(size) {}
    uint64_t size() const override { return size_; }
    read_status read(uint64_t offset, size_t length, const unsigned char **out) override {
        if (offset > size_ || length > size_ - offset) return read_status::past_end;
        *out = bytes_ + offset;
        return read_status::ok;
    }

private:
    const unsigned char *bytes_;
    size_t size_;
};

}  // namespace sealkit::audit
