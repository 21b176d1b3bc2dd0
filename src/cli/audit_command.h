// `sealkit audit [-r] [--json] [--details] FILE|DIR...`: can these ELF files
// be sealed at start-up, and if not, why not? Static analysis of each
// file's headers (src/audit); nothing is run or loaded.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace sealkit::cli {

struct audit_options {
    bool recursive = false;
    bool json = false;
    bool details = false;            // the detailed report for every file, not the table
    std::vector<std::string> paths;  // files and directories, as typed
};

// Registers the subcommand and its options on app.
CLI::App *add_audit_command(CLI::App &app, audit_options &options);

// Audits every path and prints the report; returns 0 when every file could
// be audited, exit_audit_failed when any could not (see exit_status.h).
int run_audit(const audit_options &options);

}  // namespace sealkit::cli
