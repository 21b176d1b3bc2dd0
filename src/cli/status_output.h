// Renders `sealkit status` results: a table per process for people, or one
// JSON document (schema in docs/cli.md) for programs.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "inspect/process_report.h"
#include "terminal_colors.h"

namespace sealkit::cli {

// A PID that could not be inspected: reported on stderr and in the JSON.
struct status_failure {
    std::optional<std::string> pid;  // as typed; nullopt when no process was tried at all
    std::string error;               // "no-such-process", "permission-denied", ...
    int exit_status = 0;
    std::string message;             // the sentence printed on stderr
};

// The table for one process, ending with its summary line; part states
// coloured when colors is enabled.
std::string status_text(const inspect::process_report &report, const terminal_colors &colors = terminal_colors::off());

// The summary line alone: "N of M mappings sealed, X% of file-backed bytes
// sealed".
std::string status_summary(const inspect::process_report &report);

nlohmann::ordered_json status_json(const inspect::process_report &report);
nlohmann::ordered_json failure_json(const status_failure &failure);

}  // namespace sealkit::cli
