// The table of `sealkit status --all`.
#include <fmt/format.h>

#include "byte_size.h"
#include "printable_text.h"
#include "status_all.h"
#include "status_totals.h"

namespace sealkit::cli {

std::string all_processes_summary(const host_scan &scan) {
    const scan_counts &c = scan.counts;
    std::string out = fmt::format("{} process{}: {} inspected", scan.listed, scan.listed == 1 ? "" : "es",
                                  c.inspected);
    if (c.without_user_memory > 0) out += fmt::format(", {} without user memory", c.without_user_memory);
    if (c.vanished > 0) out += fmt::format(", {} vanished", c.vanished);
    if (c.permission_denied > 0) out += fmt::format(", {} not allowed", c.permission_denied);
    if (c.failed > 0) out += fmt::format(", {} failed", c.failed);
    size_t mappings = 0, sealed_mappings = 0, with_seals = 0;
    uint64_t file_bytes = 0, sealed_file_bytes = 0;
    for (const inspect::process_report &report : scan.reports) {
        mappings += report.mappings;
        sealed_mappings += report.sealed_mappings;
        file_bytes += report.file_backed_bytes;
        sealed_file_bytes += report.sealed_file_backed_bytes;
        if (totals_of(report).sealed_by_program) ++with_seals;
    }
    out += fmt::format("; {} with sealed memory of their own; {} of {} mappings sealed", with_seals,
                       sealed_mappings, mappings);
    if (file_bytes > 0)
        out += fmt::format(", {:.1f}% of file-backed bytes sealed", sealed_percent(sealed_file_bytes, file_bytes));
    return out;
}

std::string all_processes_text(const host_scan &scan, const terminal_colors &colors) {
    std::string out;
    if (!scan.reports.empty())
        out += colors.paint(color::dim, fmt::format("{:>7}  {:<16} {:>6} {:>7} {:>12}  {}", "PID", "COMMAND", "MAPS",
                                                    "SEALED", "FILE SEALED", "BACKEND")) +
               "\n";
    for (const inspect::process_report &report : scan.reports) {
        const char *backend = known_backend(totals_of(report));
        color tone = report.sealed_mappings == 0 ? color::unsealed
                     : report.sealed_file_backed_bytes < report.file_backed_bytes ? color::partly
                                                                                   : color::sealed;
        out += fmt::format("{:>7}  {:<16} {:>6} ", report.pid, printable(report.command), report.mappings);
        out += colors.paint(tone, fmt::format("{:>7}", report.sealed_mappings));
        out += fmt::format(" {:>12}  {}\n", human_bytes(report.sealed_file_backed_bytes), backend ? backend : "-");
    }
    out += all_processes_summary(scan) + "\n";
    return out;
}

}  // namespace sealkit::cli
