// `sealkit status PID...` and `sealkit status --all`: which parts of each
// process's memory are sealed, as tables, a picture of the address space
// (--map), JSON or Prometheus metrics, with an optional policy (--require)
// for CI and monitoring.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace sealkit::cli {

struct status_options {
    bool json = false;              // --json, the alias of --format=json
    std::string format = "text";    // --format: text, json or prometheus
    bool all = false;               // --all: every readable process instead of PIDs
    bool map = false;               // --map: draw each PID's address space
    std::string require = "none";   // --require: none or images
    bool no_color = false;          // --no-color
    std::vector<std::string> pids;  // as typed: numbers or "self"
};

// Registers the subcommand and its options on app.
CLI::App *add_status_command(CLI::App &app, status_options &options);

// Inspects the processes, prints the reports, and returns the exit status
// (the highest any PID produced; see exit_status.h).
int run_status(const status_options &options);

}  // namespace sealkit::cli
