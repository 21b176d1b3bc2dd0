// The human-readable table of `sealkit status`.
#include <fmt/format.h>

#include "byte_size.h"
#include "printable_text.h"
#include "status_output.h"

namespace sealkit::cli {
namespace {

using inspect::image_part;

constexpr image_part kShownParts[] = {image_part::text, image_part::rodata, image_part::relro, image_part::data};

// "-" for a part the object does not have, or when its headers are unknown.
std::string part_cell(const inspect::object_row &row, image_part part) {
    if (!row.classified) return "-";
    inspect::seal_state state = inspect::state_of(row.part(part));
    return state == inspect::seal_state::absent ? "-" : inspect::state_name(state);
}

color tone_of(inspect::seal_state state) {
    switch (state) {
    case inspect::seal_state::sealed: return color::sealed;
    case inspect::seal_state::partly: return color::partly;
    case inspect::seal_state::unsealed: return color::unsealed;
    case inspect::seal_state::absent: break;
    }
    return color::dim;
}

}  // namespace

std::string status_summary(const inspect::process_report &report) {
    if (report.mappings == 0) return "no user-space memory (a kernel thread, or a process that has exited)";
    std::string files = report.file_backed_bytes == 0
                            ? "no file-backed memory"
                            : fmt::format("{:.1f}% of file-backed bytes sealed",
                                          sealed_percent(report.sealed_file_backed_bytes, report.file_backed_bytes));
    std::string line = fmt::format("{} of {} mappings sealed, {}", report.sealed_mappings, report.mappings, files);
    if (report.seccomp_backend) {
        const std::string filters = report.seccomp_filters > 0
                                        ? fmt::format(" ({} seccomp filter{})", report.seccomp_filters,
                                                      report.seccomp_filters == 1 ? "" : "s")
                                        : "";
        line += fmt::format("; sealkit's seccomp backend runs here{}: the seals it enforces have no seal flag in "
                            "smaps, so they are not counted above",
                            filters);
    }
    return line;
}

std::string status_text(const inspect::process_report &report, const terminal_colors &colors) {
    std::string out = fmt::format("PID {}", report.pid);
    if (!report.command.empty()) out += fmt::format(" ({})", printable(report.command));
    if (!report.executable.empty()) out += fmt::format(" {}", printable(report.executable));
    out += "\n";
    if (!report.objects.empty()) {
        out += colors.paint(color::dim, fmt::format("{:>6} {:>10} {:>10}  {:<10}{:<10}{:<10}{:<10}{}", "MAPS", "BYTES",
                                                    "SEALED", "TEXT", "RODATA", "RELRO", "DATA", "OBJECT")) +
               "\n";
        for (const inspect::object_row &row : report.objects) {
            out += fmt::format("{:>6} {:>10} {:>10}  ", row.mappings, human_bytes(row.bytes),
                               human_bytes(row.sealed_bytes));
            for (image_part part : kShownParts) {
                std::string cell = fmt::format("{:<10}", part_cell(row, part));
                if (!row.classified) out += cell;
                else out += colors.paint(tone_of(inspect::state_of(row.part(part))), cell);
            }
            out += printable(row.name) + "\n";
        }
    }
    out += status_summary(report) + "\n";
    return out;
}

}  // namespace sealkit::cli
