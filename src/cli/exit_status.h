// The exit statuses of the sealkit command, in one place so the code, the
// --help footers, docs/cli.md and the man page can agree.
//
// For `status` with several PIDs the statuses are ordered by severity and
// the command exits with the highest one any PID produced (so a failure to
// read a process, 3 to 6, outranks a --require=images failure, 1). With
// --all, processes that vanish or may not be read do not count: the status
// is 0 (or 1) unless no process at all could be read.
#pragma once

namespace sealkit::cli {

enum exit_status : int {
    exit_ok = 0,                 // success
    exit_cannot_enforce = 1,     // check: no backend can enforce seals here
    exit_unsealed_images = 1,    // status --require=images: a process has an unsealed executable or library image
    exit_usage = 2,              // bad command line: unknown option, missing or non-numeric PID
    exit_no_such_process = 3,    // status: a PID names no process
    exit_permission_denied = 4,  // status: a process's memory map may not be read
    exit_no_seal_reporting = 5,  // status: this kernel cannot report seal state
    exit_read_failed = 6,        // status: any other failure reading a process
    exit_audit_failed = 7,       // audit: a file could not be audited (unreadable, not ELF, truncated, malformed)
    // run: the program's own status passes through, except these, which
    // follow env(1) and timeout(1) (125 is also what the preload exits with
    // when SEALKIT_ENFORCE=1 stops a program before main):
    exit_run_failed = 125,       // run: sealkit itself failed (no preload, a sealing failure under --enforce)
    exit_cannot_execute = 126,   // run: the program exists but cannot be executed
    exit_program_not_found = 127,// run: the program was not found
};

// The table printed at the end of each command's --help.
inline constexpr const char *kExitStatusFooter =
    "Exit status:\n"
    "  0  success\n"
    "  1  check: no backend can enforce seals here;\n"
    "     status --require=images: a process has an unsealed executable or library image\n"
    "  2  usage error (unknown option, missing or non-numeric PID)\n"
    "  3  status: no such process\n"
    "  4  status: permission denied reading a process\n"
    "  5  status: this kernel cannot report seal state\n"
    "  6  status: another error reading a process\n"
    "  7  audit: a file could not be audited (unreadable, not ELF, truncated or malformed)\n"
    "With several PIDs, status exits with the highest status any of them gave.";

// The last line of every --help.
inline constexpr const char *kSeeManual = "See sealkit(1) or docs/cli.md for details and the JSON schemas.";

}  // namespace sealkit::cli
