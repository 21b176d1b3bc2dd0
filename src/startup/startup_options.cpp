#include "startup/startup_options.h"

#include <stdlib.h>
#include <string.h>

#include "sealkit/sealkit.h"
#include "startup/image_sealer.h"
#include "system/switch_variable.h"

namespace sealkit::startup {
namespace {

// Remembers the first variable whose value was not understood.
void not_understood(startup_options &options, const char *name, const char *value, const char *accepted) {
    if (options.invalid_variable != nullptr) return;
    options.invalid_variable = name;
    options.invalid_value = value;
    options.accepted_values = accepted;
}

// A switch (system/switch_variable.h); unset leaves value as it is.
void read_switch(const char *name, bool &value, startup_options &options) {
    const char *text = secure_getenv(name);
    switch (sys::parse_switch(text)) {
    case sys::switch_value::on: value = true; break;
    case sys::switch_value::off: value = false; break;
    case sys::switch_value::unset: break;
    case sys::switch_value::unknown: not_understood(options, name, text, sys::kSwitchWords); break;
    }
}

// The switches the core reads later, where nobody could say a word: they
// fail closed by themselves; start-up says that it did not understand them.
void check_core_switch(const char *name, startup_options &options) {
    if (options.misread_core_switch != nullptr) return;
    const char *text = secure_getenv(name);
    if (sys::parse_switch(text) != sys::switch_value::unknown) return;
    options.misread_core_switch = name;
    options.misread_core_value = text;
}

}  // namespace

startup_options read_startup_options() {
    startup_options options;
    bool vdso = false, only_marked = false;
    read_switch("SEALKIT_VDSO", vdso, options);
    read_switch("SEALKIT_ONLY_MARKED", only_marked, options);
    // An unknown value enforces: a typo in the safety switch must not run
    // the program unsealed (the message names the value, then stops).
    if (sys::read_switch("SEALKIT_ENFORCE") == sys::switch_value::unknown) options.enforce = true;
    read_switch("SEALKIT_ENFORCE", options.enforce, options);
    read_switch("SEALKIT_QUIET", options.quiet, options);
    read_switch("SEALKIT_LOCKDOWN", options.lockdown, options);
    if (vdso) options.seal_flags |= SEALKIT_SEAL_VDSO;
    if (only_marked) options.seal_flags |= SEALKIT_ONLY_MARKED;

    const char *relro = secure_getenv("SEALKIT_RELRO");
    if (relro && *relro && strcmp(relro, "anonymous") != 0) {
        if (strcmp(relro, "file") == 0) options.seal_flags |= SEALKIT_RELRO_FILE;
        else if (strcmp(relro, "strict") == 0) options.seal_flags |= kSealStrict;
        else not_understood(options, "SEALKIT_RELRO", relro, "anonymous, file, strict");
    }
    const char *late = secure_getenv("SEALKIT_DLOPEN");
    if (late && *late) {
        if (strcmp(late, "nodelete") == 0) options.dlopen = dlopen_policy::nodelete;
        else if (strcmp(late, "pin") == 0) options.dlopen = dlopen_policy::pin;
        else if (strcmp(late, "off") == 0) options.dlopen = dlopen_policy::off;
        else not_understood(options, "SEALKIT_DLOPEN", late, "nodelete, pin, off");
    }
    const char *report = secure_getenv("SEALKIT_REPORT");
    if (report && *report) options.report_path = report;
    const char *format = secure_getenv("SEALKIT_REPORT_FORMAT");
    if (format && *format) {
        if (strcmp(format, "json") == 0) options.json_report = true;
        else if (strcmp(format, "text") != 0) not_understood(options, "SEALKIT_REPORT_FORMAT", format, "text, json");
    }
    check_core_switch("SEALKIT_DENY_IO_URING", options);
    check_core_switch("SEALKIT_EXEC_GUARD", options);
    check_core_switch("SEALKIT_EMULATE_MSEAL", options);
    return options;
}

}  // namespace sealkit::startup
