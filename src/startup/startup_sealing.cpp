#include "startup/startup_sealing.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backend/backend.h"
#include "sealkit/lockdown.h"
#include "sealkit/sealkit.h"
#include "startup/image_sealer.h"
#include "startup/report_writer.h"
#include "startup/startup_options.h"

namespace sealkit::startup {
namespace {

bool g_done = false;

// SEALKIT_REPORT names a file ("%p" becomes the pid, so a process tree
// writes one report each), or "-" for stderr.
void write_report_file(const startup_options &options, const sealkit_report &report) {
    if (options.report_path == nullptr) return;
    int fd = 2;
    if (strcmp(options.report_path, "-") != 0) {
        char path[4096];
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
        // Never through a symbolic link: a report path is a place to write,
        // not a way to reach another file.
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0) {
            dprintf(2, "sealkit: cannot write the report to %s: %s\n", path, strerror(errno));
            return;
        }
    }
    write_report(fd, report, options.json_report);
    if (fd != 2) close(fd);
}

[[noreturn]] void stop(const char *what) {
    dprintf(2, "sealkit: %s; stopping (SEALKIT_ENFORCE=1)\n", what);
    _exit(kEnforceExitStatus);
}

}  // namespace

void seal_at_startup() {
    if (g_done) return;
    g_done = true;
    const startup_options options = read_startup_options();
    char line[4352];
    if (options.invalid_variable != nullptr) {
        snprintf(line, sizeof line, "%s has a value sealkit does not understand, so nothing was sealed",
                 options.invalid_variable);
        if (options.enforce) stop(line);
        if (!options.quiet) dprintf(2, "sealkit: %s\n", line);
        return;
    }
    if (active_backend().kind == SEALKIT_BACKEND_NONE) {
        snprintf(line, sizeof line, "no backend can enforce seals here (%s), so nothing was sealed",
                 active_backend_reason());
        if (options.enforce) stop(line);
        if (!options.quiet) dprintf(2, "sealkit: %s\n", line);
        return;
    }
    sealkit_report report;
    long result;
    if (options.lockdown) {
        // Everything lockdown does; its image report stands in for the
        // startup report, and a failure to deny write-execute is a failure.
        sealkit_lockdown_report locked;
        unsigned flags = SEALKIT_LOCKDOWN_DEFAULT | ((options.seal_flags & SEALKIT_SEAL_VDSO) ? unsigned{SEALKIT_LOCKDOWN_VDSO} : 0u);
        result = sealkit_lockdown(flags, &locked) == 0 ? 0 : -errno;
        report = locked.images;
        if (options.report_path != nullptr && strcmp(options.report_path, "-") == 0)
            sealkit_write_lockdown_report(2, &locked, options.json_report);
        else write_report_file(options, report);
        if (locked.write_execute_error != 0 || locked.protected_data_error != 0) {
            int error = locked.write_execute_error ? locked.write_execute_error : locked.protected_data_error;
            snprintf(line, sizeof line, "lockdown could not %s: %s",
                     locked.write_execute_error ? "deny write-execute" : "freeze protected data", strerror(error));
            if (options.enforce) stop(line);
            if (!options.quiet) dprintf(2, "sealkit: %s; running on\n", line);
            return;
        }
    } else {
        result = seal_loaded_images(options.seal_flags, report);
        write_report_file(options, report);
    }
    if (result == 0) return;
    if (report.images == 0) {
        snprintf(line, sizeof line, "could not list the loaded objects: %s", strerror(static_cast<int>(-result)));
        if (options.enforce) stop(line);
        if (!options.quiet) dprintf(2, "sealkit: %s\n", line);
        return;
    }
    for (unsigned i = 0; i < report.images; ++i) {
        const sealkit_image_report &entry = report.image[i];
        if (entry.error == 0) continue;
        snprintf(line, sizeof line, "could not seal %s: %s (%s)", entry.name, strerror(entry.error),
                 entry.error_step ? entry.error_step : "seal");
        if (options.enforce) stop(line);
        if (!options.quiet) {
            dprintf(2, "sealkit: %s; running on (%u of %u objects sealed)\n", line, report.images_sealed,
                    report.images);
        }
        return;  // one warning per process
    }
}

}  // namespace sealkit::startup
