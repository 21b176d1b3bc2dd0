// `sealkit status PID...`: which parts of each process's memory are sealed.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace sealkit::cli {

struct status_options {
    bool json = false;
    std::vector<std::string> pids;  // as typed: numbers or "self"
};

// Registers the subcommand and its options on app.
CLI::App *add_status_command(CLI::App &app, status_options &options);

// Inspects each process, prints the reports, and returns the exit status
// (the highest any PID produced; see exit_status.h).
int run_status(const status_options &options);

}  // namespace sealkit::cli
