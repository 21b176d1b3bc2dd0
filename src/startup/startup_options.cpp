#include "startup/startup_options.h"

#include <stdlib.h>
#include <string.h>

#include "sealkit/sealkit.h"

namespace sealkit::startup {
namespace {

// "1", "yes", "true" / "0", "no", "false", or unset.
bool read_switch(const char *name, bool &value, startup_options &options) {
    const char *text = secure_getenv(name);
    if (text == nullptr || *text == '\0') return value;
    if (!strcmp(text, "1") || !strcmp(text, "yes") || !strcmp(text, "true")) value = true;
    else if (!strcmp(text, "0") || !strcmp(text, "no") || !strcmp(text, "false")) value = false;
    else if (options.invalid_variable == nullptr) options.invalid_variable = name;
    return value;
}

}  // namespace

startup_options read_startup_options() {
    startup_options options;
    bool vdso = false, only_marked = false;
    read_switch("SEALKIT_VDSO", vdso, options);
    read_switch("SEALKIT_ONLY_MARKED", only_marked, options);
    read_switch("SEALKIT_ENFORCE", options.enforce, options);
    read_switch("SEALKIT_QUIET", options.quiet, options);
    read_switch("SEALKIT_LOCKDOWN", options.lockdown, options);
    if (vdso) options.seal_flags |= SEALKIT_SEAL_VDSO;
    if (only_marked) options.seal_flags |= SEALKIT_ONLY_MARKED;

    const char *relro = secure_getenv("SEALKIT_RELRO");
    if (relro && *relro && strcmp(relro, "anonymous") != 0) {
        if (strcmp(relro, "file") == 0) options.seal_flags |= SEALKIT_RELRO_FILE;
        else if (options.invalid_variable == nullptr) options.invalid_variable = "SEALKIT_RELRO";
    }
    const char *late = secure_getenv("SEALKIT_DLOPEN");
    if (late && *late) {
        if (strcmp(late, "nodelete") == 0) options.dlopen = dlopen_policy::nodelete;
        else if (strcmp(late, "pin") == 0) options.dlopen = dlopen_policy::pin;
        else if (strcmp(late, "off") == 0) options.dlopen = dlopen_policy::off;
        else if (options.invalid_variable == nullptr) options.invalid_variable = "SEALKIT_DLOPEN";
    }
    const char *report = secure_getenv("SEALKIT_REPORT");
    if (report && *report) options.report_path = report;
    const char *format = secure_getenv("SEALKIT_REPORT_FORMAT");
    if (format && *format) {
        if (strcmp(format, "json") == 0) options.json_report = true;
        else if (strcmp(format, "text") != 0 && options.invalid_variable == nullptr)
            options.invalid_variable = "SEALKIT_REPORT_FORMAT";
    }
    return options;
}

}  // namespace sealkit::startup
