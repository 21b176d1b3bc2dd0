#include "procfs/mappings_stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

namespace sealkit::procfs {
namespace {

// A maps line is at most a few PATH_MAX long even with every byte escaped;
// anything larger is not from the kernel and is skipped as malformed.
constexpr size_t kLongestLine = 1024 * 1024;

}  // namespace

mappings_stream::mappings_stream(mapping_visitor visitor, void *context) : parser_(visitor, context) {}

mappings_stream::~mappings_stream() { free(carry_); }

bool mappings_stream::feed_line(const char *line, size_t length, bool without_nul) {
    if (skipping_line_) {
        skipping_line_ = false;
        parser_.feed_line("?", 1);  // the over-long line: counted as malformed
        return true;
    }
    if (!(without_nul ? parser_.feed_line_without_nul(line, length) : parser_.feed_line(line, length)))
        stopped_ = true;
    return !stopped_;
}

// Keeps the start of a line the chunk cut; drops it past kLongestLine.
bool mappings_stream::carry(const char *bytes, size_t length) {
    if (skipping_line_) return true;
    if (carried_ + length >= kLongestLine) {
        skipping_line_ = true;
        carried_ = 0;
        return true;
    }
    if (carried_ + length > carry_capacity_) {
        size_t capacity = carry_capacity_ == 0 ? 4096 : carry_capacity_;
        while (capacity < carried_ + length) capacity *= 2;
        char *grown = static_cast<char *>(realloc(carry_, capacity));
        if (grown == nullptr) {
            error_ = -ENOMEM;  // the mappings so far are still handed over
            return false;
        }
        carry_ = grown;
        carry_capacity_ = capacity;
    }
    memcpy(carry_ + carried_, bytes, length);
    carried_ += length;
    return true;
}

bool mappings_stream::feed(const char *bytes, size_t length) {
    if (stopped_ || error_ != 0) return false;
    const char *end = bytes + length;
    const char *cursor = bytes;
    // First the line an earlier chunk cut, completed up to this chunk's
    // first '\n'.
    if (carried_ > 0 || skipping_line_) {
        const char *newline = static_cast<const char *>(memchr(cursor, '\n', length));
        if (newline == nullptr) return carry(cursor, length);
        if (!carry(cursor, static_cast<size_t>(newline - cursor))) return false;
        const bool more = feed_line(carry_, carried_, false);
        carried_ = 0;
        if (!more) return false;
        cursor = newline + 1;
    }
    // One look for a NUL rather than one per line: the lines before the
    // first NUL skip the parser's own check.
    const char *nul = static_cast<const char *>(memchr(cursor, '\0', static_cast<size_t>(end - cursor)));
    const char *clean_until = nul == nullptr ? end : nul;
    while (cursor < end) {
        const char *newline = static_cast<const char *>(memchr(cursor, '\n', static_cast<size_t>(end - cursor)));
        if (newline == nullptr) return carry(cursor, static_cast<size_t>(end - cursor));
        const size_t line = static_cast<size_t>(newline - cursor);
        if (line >= kLongestLine) skipping_line_ = true;  // counted as malformed by feed_line
        if (!feed_line(cursor, line, newline <= clean_until)) return false;
        cursor = newline + 1;
    }
    return true;
}

read_result mappings_stream::finish(long error) {
    read_result result;
    if (!stopped_ && error_ == 0) {
        if (skipping_line_) {
            skipping_line_ = false;
            parser_.feed_line("?", 1);  // an over-long last line: counted as malformed
        } else if (carried_ > 0) {
            feed_line(carry_, carried_, false);
        }
        carried_ = 0;
    }
    if (!stopped_ && !parser_.finish()) stopped_ = true;
    result.stopped_by_visitor = stopped_;
    result.error = error_ != 0 ? error_ : error;
    result.mappings = parser_.mappings_seen();
    result.malformed_lines = parser_.malformed_lines();
    if (result.error == 0 && parser_.storage_error() != 0) result.error = parser_.storage_error();
    return result;
}

}  // namespace sealkit::procfs
