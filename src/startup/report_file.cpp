#include "startup/report_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "startup/image_sealer.h"

namespace sealkit::startup {
namespace {

constexpr size_t kPathSize = 4096;

// The start-up report, for the late passes' JSON documents. In .bss: its
// page is first written only when a report is asked for.
sealkit_report g_startup_report;
// Whether start-up wrote the report file (a late pass writes only then).
bool g_startup_report_written = false;
bool g_late_warned = false;

bool is_strict(const startup_options &options) { return (options.seal_flags & kSealStrict) != 0; }

bool to_stderr(const startup_options &options) { return strcmp(options.report_path, "-") == 0; }

// options.report_path with "%p" replaced by the pid.
void expand_path(const startup_options &options, char (&path)[kPathSize]) {
    size_t out = 0;
    for (const char *in = options.report_path; *in && out < sizeof path - 24; ++in) {
        if (in[0] == '%' && in[1] == 'p') {
            out += static_cast<size_t>(snprintf(path + out, sizeof path - out, "%d", static_cast<int>(getpid())));
            ++in;
        } else {
            path[out++] = *in;
        }
    }
    path[out] = '\0';
}

// Never through a symbolic link: a report path is a place to write, not a
// way to reach another file.
int open_report(const char *path, int flags) {
    return open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | flags, 0644);
}

void warn_once(const char *path, int error) {
    if (__atomic_exchange_n(&g_late_warned, true, __ATOMIC_RELAXED)) return;
    dprintf(2, "sealkit: cannot write the report to %s: %s\n", path, strerror(error));
}

// A text block appended. A file that no longer exists (or a forked child's
// own "%p" file) is created and starts with the start-up report.
void append_text(const char *path, const late_seal &seal, const sealkit_report &pass, bool strict) {
    bool created = true;
    int fd = open_report(path, O_APPEND | O_CREAT | O_EXCL);
    if (fd < 0 && errno == EEXIST) {
        created = false;
        fd = open_report(path, O_APPEND);
    }
    if (fd < 0) {
        warn_once(path, errno);
        return;
    }
    long result = created ? write_report(fd, g_startup_report, false, strict) : 0;
    if (result == 0) result = write_late_pass(fd, seal, pass, false, strict);
    close(fd);
    if (result != 0) warn_once(path, static_cast<int>(-result));
}

// The whole JSON document again, renamed over the report: rename() replaces
// a symbolic link planted there, it does not follow it.
void rewrite_json(const char *path, const late_objects &late, bool strict) {
    char temporary[kPathSize + 40];
    int n = snprintf(temporary, sizeof temporary, "%s.sealkit-%d.tmp", path, static_cast<int>(getpid()));
    if (n < 0 || static_cast<size_t>(n) >= sizeof temporary) {
        warn_once(path, ENAMETOOLONG);
        return;
    }
    int fd = open_report(temporary, O_CREAT | O_EXCL | O_TRUNC);
    if (fd < 0 && errno == EEXIST) {
        // Left by a process that had this pid and died mid-write (passes of
        // this process are serialised by its caller).
        unlink(temporary);
        fd = open_report(temporary, O_CREAT | O_EXCL | O_TRUNC);
    }
    if (fd < 0) {
        warn_once(temporary, errno);
        return;
    }
    long result = write_report_with_late_objects(fd, g_startup_report, late, strict);
    if (close(fd) != 0 && result == 0) result = -errno;
    if (result == 0 && rename(temporary, path) != 0) result = -errno;
    if (result != 0) {
        unlink(temporary);
        warn_once(path, static_cast<int>(-result));
    }
}

}  // namespace

void write_startup_report_file(const startup_options &options, const sealkit_report &report) {
    if (options.report_path == nullptr) return;
    g_startup_report = report;
    int fd = 2;
    char path[kPathSize];
    if (!to_stderr(options)) {
        expand_path(options, path);
        fd = open_report(path, O_CREAT | O_TRUNC);
        if (fd < 0) {
            dprintf(2, "sealkit: cannot write the report to %s: %s\n", path, strerror(errno));
            return;
        }
    }
    write_report(fd, report, options.json_report, is_strict(options));
    if (fd != 2) {
        close(fd);
        g_startup_report_written = true;
    }
}

void add_late_pass_to_report_file(const startup_options &options, const late_seal &seal, const sealkit_report &pass,
                                  const late_objects &late) {
    if (options.report_path == nullptr) return;
    if (to_stderr(options)) {
        write_late_pass(2, seal, pass, options.json_report, is_strict(options));
        return;
    }
    if (!g_startup_report_written) return;  // start-up could not write it, and said so
    char path[kPathSize];
    expand_path(options, path);
    if (options.json_report) rewrite_json(path, late, is_strict(options));
    else append_text(path, seal, pass, is_strict(options));
}

}  // namespace sealkit::startup
