// `status --all`: every process this user may read, inspected one after
// another in PID order. A process that exits between being listed and
// being read, or that may not be read, is counted and the scan goes on.
//
//   host_scan scan = scan_host(options);
//   fmt::print("{}", all_processes_text(scan, colors));
#pragma once

#include <string>
#include <vector>

#include "inspect/process_inspection.h"
#include "prometheus_output.h"
#include "terminal_colors.h"

namespace sealkit::cli {

// The testing hook: a comma-separated list of PIDs that --all treats as if
// /proc had listed them, so a process that vanishes between listing and
// reading can be tested with one that has already exited.
inline constexpr const char *kAssumeListedPids = "SEALKIT_ASSUME_LISTED_PIDS";

struct host_scan {
    std::vector<inspect::process_report> reports;  // processes read that have user memory, by PID
    scan_counts counts;
    size_t listed = 0;      // PIDs found in /proc (and the hook), this process excluded
    int list_error = 0;     // errno when /proc could not be listed, else 0
    int worst_failure = 0;  // the highest exit status a failed process would give alone (exit_status.h)
};

// Lists /proc and inspects every process but the calling one.
host_scan scan_host(const inspect::inspection_options &options);

// Whether the scan read no process with user memory (then status fails).
bool read_nothing(const host_scan &scan);

// "97 processes: 60 inspected, 35 without user memory, 1 vanished, 1 not
// allowed; 12 of 9876 mappings sealed, 0.4% of file-backed bytes sealed"
std::string all_processes_summary(const host_scan &scan);

// One row per inspected process (PID, COMMAND, MAPS, SEALED, FILE SEALED,
// BACKEND), then the summary.
std::string all_processes_text(const host_scan &scan, const terminal_colors &colors);

}  // namespace sealkit::cli
