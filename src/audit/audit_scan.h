// Walks the files and directories given to `sealkit audit` and audits each
// ELF file found, calling back for each result, each failure and (for a
// progress line) each file looked at.
//
// What is audited and what is an error:
// - a file named on the command line must be a readable, well-formed ELF
//   file: anything else (not ELF, truncated, malformed, unreadable, not a
//   regular file, a directory without -r) is a failure;
// - with recursive, a directory is walked (names sorted, so the order is
//   stable); regular files in it that are not ELF are skipped quietly and
//   counted, and so are symbolic links (never followed: no loops, no file
//   audited twice through a link) and FIFOs, devices and sockets. ELF files
//   found there that are truncated or malformed, and files or directories
//   that cannot be read, are failures like on the command line.
//
//     audit_scan scan(options, on_file, on_failure, on_progress);
//     for (const std::string &path : paths) scan.visit(path);
//     const audit_counts &counts = scan.counts();
#pragma once

#include <stddef.h>

#include <functional>
#include <string>

#include "audit/elf_facts.h"
#include "audit/file_source.h"
#include "audit/seal_verdict.h"

namespace sealkit::audit {

struct audited_file {
    std::string path;
    elf_facts facts;
    seal_verdict verdict;
};

enum class failure_kind {
    unreadable,     // open or read failed (permission denied, I/O error, vanished)
    not_elf,        // named on the command line, but not an ELF file
    truncated,      // ELF, but cut short
    malformed,      // ELF, but its headers are invalid
    not_regular,    // named on the command line: a FIFO, device or socket
    is_directory,   // named on the command line without recursive
};

struct audit_failure {
    std::string path;
    failure_kind kind;
    std::string message;  // what is wrong, without the path: "not an ELF file"
};

struct audit_counts {
    size_t audited = 0;
    size_t sealable = 0, caveats = 0, not_sealable = 0, not_loadable = 0;
    size_t failed = 0;
    size_t skipped_not_elf = 0;   // regular files found while recursing
    size_t skipped_links = 0;     // symbolic links found while recursing
    size_t skipped_special = 0;   // FIFOs, devices, sockets found while recursing
    size_t directories = 0;       // directories walked
};

struct audit_scan_options {
    bool recursive = false;
};

class audit_scan {
public:
    using file_callback = std::function<void(const audited_file &)>;
    using failure_callback = std::function<void(const audit_failure &)>;
    // Called before each file is opened, with the number of files looked at
    // so far.
    using progress_callback = std::function<void(size_t seen, const std::string &path)>;

    audit_scan(audit_scan_options options, file_callback on_file, failure_callback on_failure,
               progress_callback on_progress = {});

    // Audits one command-line argument (a file, or with recursive a
    // directory).
    void visit(const std::string &path);

    const audit_counts &counts() const { return counts_; }

private:
    void walk(const std::string &directory);
    // Audits one regular file (or what claims to be one); found_in_walk
    // makes "not ELF" a quiet skip.
    void audit_file(int directory_fd, const char *name, const std::string &path, bool found_in_walk);
    void fail(const std::string &path, failure_kind kind, std::string message);

    audit_scan_options options_;
    file_callback on_file_;
    failure_callback on_failure_;
    progress_callback on_progress_;
    audit_counts counts_;
    size_t seen_ = 0;
    file_source source_;
    audited_file current_;
};

const char *name_of(failure_kind kind);  // "unreadable", "not-elf", ...

}  // namespace sealkit::audit
