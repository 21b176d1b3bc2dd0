// `sealkit check`: can this machine seal memory, and how?
#pragma once

#include <CLI/CLI.hpp>

namespace sealkit::cli {

struct check_options {
    bool json = false;
};

// Registers the subcommand and its options on app.
CLI::App *add_check_command(CLI::App &app, check_options &options);

// Prints the report; returns the exit status (0 when a backend can enforce
// seals, 1 when none can).
int run_check(const check_options &options);

}  // namespace sealkit::cli
