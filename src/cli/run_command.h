// `sealkit run [options] -- PROGRAM [ARGS]`: runs an unmodified program
// with every loaded ELF image sealed before its main(), by executing it with
// libsealkit-preload.so in LD_PRELOAD. Each option is turned into its
// SEALKIT_* environment twin (docs/startup-sealing.md), so the program, and
// every program it starts, behaves exactly as under a plain LD_PRELOAD.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace sealkit::cli {

struct run_options {
    bool vdso = false;
    bool only_marked = false;
    std::string relro = "anonymous";
    std::string dlopen = "nodelete";  // nodelete, pin or off
    bool enforce = false;
    bool quiet = false;
    bool lockdown = false;
    std::vector<std::string> report;  // empty: none; {""}: stderr; {FILE}
    bool report_requested = false;
    std::string report_format = "text";
    std::string backend;              // empty: leave SEALKIT_BACKEND as it is
    std::vector<std::string> command; // PROGRAM [ARGS]
    std::string flag_given_a_value;   // "--enforce=2": a usage error (flags take no value)
};

CLI::App *add_run_command(CLI::App &app, run_options &options);

// Splits `sealkit run ...` before CLI11 sees it: sealkit's options end at
// "--" or at the first word that is neither an option nor an option's
// value; everything after belongs to the program, untouched (so
// `sealkit run prog --enforce` passes --enforce to prog). Returns how many
// of argv's words CLI11 should parse; the program's words go to
// options.command. A flag of sealkit's given a value (`--enforce=2`) is
// kept in options.flag_given_a_value, which run_program refuses.
int split_run_arguments(int argc, char **argv, run_options &options);

// Execs the program (does not return) or returns an exit status: 2 for a
// flag given a value or no program, 125 when
// the preload cannot be found or the program cannot be sealed and --enforce
// was given, 126 when the program cannot be executed, 127 when it is not
// found.
int run_program(const run_options &options);

// Where libsealkit-preload.so is: $SEALKIT_PRELOAD_PATH, else beside this
// executable in the build tree (../lib) or the installed tree (../LIBDIR).
std::string find_preload();

}  // namespace sealkit::cli
