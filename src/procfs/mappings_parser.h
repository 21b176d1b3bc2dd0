// Parses the text of /proc/PID/maps or /proc/PID/smaps into mappings.
//
// The parser takes whole lines (no '\n') one at a time and hands each
// completed mapping to a visitor, so a reader can stream a large smaps file
// through a fixed buffer. It never trusts the input: malformed lines are
// counted and skipped, numbers that overflow are rejected, and a path is
// whatever follows the inode column (spaces included). It allocates only
// for the pending mapping's path, with malloc, and uses libc alone so the
// core library can run it inside any C program.
#pragma once

#include <stddef.h>

#include "procfs/mapping.h"

namespace sealkit::procfs {

// Receives each mapping; returns false to stop parsing early.
using mapping_visitor = bool (*)(const mapping &, void *context);

class mappings_parser {
public:
    mappings_parser(mapping_visitor visitor, void *context);
    ~mappings_parser();
    mappings_parser(const mappings_parser &) = delete;
    mappings_parser &operator=(const mappings_parser &) = delete;

    // One line without its '\n'. Returns false once the visitor asked to
    // stop (further lines are ignored).
    bool feed_line(const char *line, size_t length);
    // The same, for a line the caller has already checked holds no NUL
    // byte (a reader checks each block it reads once, not line by line).
    bool feed_line_without_nul(const char *line, size_t length);

    // Ends the input: hands over the last pending mapping. Returns false
    // when the visitor asked to stop.
    bool finish();

    size_t mappings_seen() const { return mappings_seen_; }
    size_t malformed_lines() const { return malformed_lines_; }
    // -ENOMEM if a path could not be stored (the mapping is still reported,
    // with the path cut short).
    long storage_error() const { return storage_error_; }

private:
    bool parse_header(const char *line, size_t length);
    void parse_detail(const char *line, size_t length, size_t key);
    bool deliver_pending();
    void store_path(const char *path, size_t length);

    mapping_visitor visitor_;
    void *context_;
    mapping pending_{};
    bool has_pending_ = false;
    bool stopped_ = false;
    char *path_storage_ = nullptr;
    size_t path_capacity_ = 0;
    size_t mappings_seen_ = 0;
    size_t malformed_lines_ = 0;
    long storage_error_ = 0;
};

// Parses a whole buffer of maps/smaps text (lines separated by '\n').
// Returns the number of malformed lines skipped.
size_t parse_mappings_text(const char *text, size_t length, mapping_visitor visitor, void *context);

}  // namespace sealkit::procfs
