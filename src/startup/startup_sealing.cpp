#include "startup/startup_sealing.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backend/backend.h"
#include "sealkit/lockdown.h"
#include "sealkit/sealkit.h"
#include "startup/image_sealer.h"
#include "startup/report_file.h"
#include "startup/report_writer.h"
#include "startup/startup_options.h"
#include "system/switch_variable.h"

namespace sealkit::startup {
namespace {

// In .data, not .bss (hence true at first): the loader has already written
// the page that holds .data, so the first write here costs no page fault.
bool g_first_call = true;

[[noreturn]] void stop(const char *what) {
    dprintf(2, "sealkit: %s; stopping (SEALKIT_ENFORCE)\n", what);
    _exit(kEnforceExitStatus);
}

// A value from the environment as a message may quote it: its first 64
// bytes, control characters as '?', so it stays on one line.
struct quoted_value {
    char text[65];
    explicit quoted_value(const char *value) {
        size_t i = 0;
        for (; value != nullptr && value[i] != '\0' && i < sizeof text - 1; ++i)
            text[i] = static_cast<unsigned char>(value[i]) < 0x20 || value[i] == 0x7f ? '?' : value[i];
        text[i] = '\0';
    }
};

// Says what went wrong in one line: stops the program under SEALKIT_ENFORCE,
// else warns (unless quiet) with tail appended ("; running on", ...) and
// returns. Out of line, so its buffer takes stack only when there is
// something to say: every stack page the start-up path touches first is a
// page fault (about 10 us on virtualised machines).
[[gnu::noinline, gnu::format(printf, 3, 4)]] void report_problem(const startup_options &options, const char *tail,
                                                                 const char *format, ...) {
    char line[4352];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(line, sizeof line, format, arguments);
    va_end(arguments);
    if (options.enforce) stop(line);
    if (!options.quiet) dprintf(2, "sealkit: %s%s\n", line, tail);
}

// SEALKIT_LOCKDOWN: everything lockdown does; its image report stands in
// for the startup report, and a failure to deny write-execute is a
// failure. Returns what sealing returned, or 1 when it already said that
// lockdown failed. Out of line: its report is large.
[[gnu::noinline]] long lock_down(const startup_options &options, sealkit_report &report) {
    if (options.seal_flags & kSealStrict) {
        // Lockdown seals with flags of its own: the strict pass comes first,
        // and lockdown then finds those objects sealed (its report says
        // "already sealed") and goes on with protected data and W^X.
        long strict = seal_loaded_images(options.seal_flags, report, false);
        if (strict != 0) {
            report_problem(options, "; running on", "could not seal strict before lockdown: %s",
                           strerror(static_cast<int>(-strict)));
            return 1;
        }
    }
    sealkit_lockdown_report locked;
    unsigned flags = SEALKIT_LOCKDOWN_DEFAULT | ((options.seal_flags & SEALKIT_SEAL_VDSO) ? unsigned{SEALKIT_LOCKDOWN_VDSO} : 0u);
    long result = sealkit_lockdown(flags, &locked) == 0 ? 0 : -errno;
    report = locked.images;
    if (options.report_path != nullptr && strcmp(options.report_path, "-") == 0)
        sealkit_write_lockdown_report(2, &locked, options.json_report);
    else write_startup_report_file(options, report);
    if (locked.write_execute_error != 0 || locked.protected_data_error != 0) {
        int error = locked.write_execute_error ? locked.write_execute_error : locked.protected_data_error;
        report_problem(options, "; running on", "lockdown could not %s: %s",
                       locked.write_execute_error ? "deny write-execute" : "freeze protected data", strerror(error));
        return 1;
    }
    return result;
}

// A core switch with a value not understood: the core fails closed on it
// (it denies io_uring, keeps the exec guard and mseal emulation), so this
// warns, even under SEALKIT_ENFORCE, and sealing goes on.
[[gnu::noinline]] void warn_core_switch(const startup_options &options) {
    const bool deny = strcmp(options.misread_core_switch, "SEALKIT_DENY_IO_URING") == 0;
    dprintf(2, "sealkit: %s=%s is not one of %s; taken as %s\n", options.misread_core_switch,
            quoted_value(options.misread_core_value).text, sys::kSwitchWords,
            deny ? "on (the seccomp backend refuses io_uring_setup)" : "on (the default)");
}

}  // namespace

void seal_at_startup() {
    if (!g_first_call) return;
    g_first_call = false;
    const startup_options options = read_startup_options();
    if (options.invalid_variable != nullptr) {
        report_problem(options, "", "%s=%s is not one of %s; nothing was sealed", options.invalid_variable,
                       quoted_value(options.invalid_value).text, options.accepted_values);
        return;
    }
    if (options.misread_core_switch != nullptr && !options.quiet) warn_core_switch(options);
    if (active_backend().kind == SEALKIT_BACKEND_NONE) {
        report_problem(options, "", "no backend can enforce seals here (%s), so nothing was sealed",
                       active_backend_reason());
        return;
    }
    sealkit_report report;
    long result;
    if (options.lockdown) {
        result = lock_down(options, report);
        if (result > 0) return;  // lock_down said what went wrong
    } else {
        result = seal_loaded_images(options.seal_flags, report, options.report_path != nullptr);
        write_startup_report_file(options, report);
    }
    if (result == 0) return;
    if (report.images == 0) {
        report_problem(options, "", "could not list the loaded objects: %s", strerror(static_cast<int>(-result)));
        return;
    }
    for (unsigned i = 0; i < report.images; ++i) {
        const sealkit_image_report &entry = report.image[i];
        if (entry.error == 0) continue;
        char tail[80];
        snprintf(tail, sizeof tail, "; running on (%u of %u objects sealed)", report.images_sealed, report.images);
        report_problem(options, tail, "could not seal %s: %s (%s)", entry.name, strerror(entry.error),
                       entry.error_step ? entry.error_step : "seal");
        return;  // one warning per process
    }
}

}  // namespace sealkit::startup
