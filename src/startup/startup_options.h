// The options of startup sealing, read from SEALKIT_* environment
// variables. `sealkit run` turns its command-line options into exactly
// these variables, so the preload behaves the same whether it was started
// by `sealkit run`, LD_PRELOAD, a systemd drop-in or /etc/ld.so.preload.
//
//   SEALKIT_VDSO=1                 also seal [vdso] and [vvar]
//   SEALKIT_ONLY_MARKED=1          glibc's opt-in rule (GNU_PROPERTY_MEMORY_SEAL)
//   SEALKIT_RELRO=anonymous|file|strict
//                                  move RELRO to anonymous memory first (default);
//                                  file: leave it file-backed; strict: as anonymous,
//                                  and every sealed range refuses every discard
//                                  madvise (kSealStrict in seal_flags, image_sealer.h)
//   SEALKIT_ENFORCE=1              any sealing failure stops the program; a value
//                                  sealkit does not understand counts as 1
//   SEALKIT_QUIET=1                no warning on stderr
//   SEALKIT_REPORT=FILE            write a report; "-" is stderr; %p becomes the pid
//   SEALKIT_REPORT_FORMAT=text|json
//   SEALKIT_LOCKDOWN=1             lockdown instead: also freeze protected data
//                                  and deny write-execute (lockdown.h)
//   SEALKIT_DLOPEN=nodelete|pin|off  objects dlopen'ed after start-up: seal those
//                                  that can never be unloaded (default), make
//                                  every one permanent and seal it, or none
//                                  (the preload only: src/preload/dlopen_policy.h)
//
// Switches take 1, yes, true, on / 0, no, false, off (system/switch_variable.h).
// A value not understood is named, with the accepted ones, in one line.
//
// In a setuid or setgid program (secure-execution mode, AT_SECURE) every
// SEALKIT_* variable is ignored: the caller must not be able to switch the
// hardening off, or make a privileged process write a report anywhere.
// Such programs get the defaults (sealed, RELRO hardened, no report).
#pragma once

namespace sealkit::startup {

// What the preload does with objects dlopen'ed after start-up.
enum class dlopen_policy {
    nodelete,  // seal those that can never be unloaded (RTLD_NODELETE, DF_1_NODELETE)
    pin,       // make every one permanent (dlclose does nothing), then seal it
    off,       // seal nothing after start-up
};

struct startup_options {
    unsigned seal_flags = 0;  // enum sealkit_image_flags
    bool enforce = false;
    bool quiet = false;
    bool json_report = false;
    bool lockdown = false;
    dlopen_policy dlopen = dlopen_policy::nodelete;
    const char *report_path = nullptr;  // null: no report
    // The first variable whose value was not understood, or null, its value
    // and the values it accepts ("anonymous, file, strict"). Startup sealing
    // then refuses to guess: it warns (or, enforcing, stops).
    const char *invalid_variable = nullptr;
    const char *invalid_value = nullptr;
    const char *accepted_values = nullptr;
    // The first of the core's own switches (SEALKIT_DENY_IO_URING,
    // SEALKIT_EXEC_GUARD, SEALKIT_EMULATE_MSEAL) with a value not
    // understood, and that value: the core fails closed on it by itself
    // (denies io_uring, keeps the guard and the emulation); start-up says so.
    const char *misread_core_switch = nullptr;
    const char *misread_core_value = nullptr;
};

startup_options read_startup_options();

// Exit status of a program stopped by SEALKIT_ENFORCE=1.
inline constexpr int kEnforceExitStatus = 125;

}  // namespace sealkit::startup
