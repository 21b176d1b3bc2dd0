// `sealkit help [COMMAND]`: the same text as `sealkit COMMAND --help` (or
// `sealkit --help` without a COMMAND), exit status 0, for people who type
// the command the way git and systemctl taught them. An unknown COMMAND is
// one sentence naming it and the commands that exist, exit status 2.
//
//     sealkit help status
#pragma once

#include <CLI/CLI.hpp>

namespace sealkit::cli {

// Lists `help` among the commands of `sealkit --help`.
CLI::App *add_help_command(CLI::App &app);

// Whether argv is a `sealkit help ...` command line. It is handled before
// CLI11 parses anything: CLI11 would take `run` in `help run` for the run
// command itself.
bool is_help_command(int argc, char **argv);

// Prints the help of the command named after `help` in argv; returns the
// exit status.
int run_help(CLI::App &app, int argc, char **argv);

}  // namespace sealkit::cli
