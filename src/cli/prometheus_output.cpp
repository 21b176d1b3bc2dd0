#include "prometheus_output.h"

#include <stdint.h>

#include <fmt/format.h>

#include "prometheus_label.h"
#include "status_policy.h"
#include "status_totals.h"

namespace sealkit::cli {
namespace {

struct family {
    const char *name;
    const char *help;
};

// The labels of one process's samples.
std::string labels_of(const inspect::process_report &report) {
    return fmt::format("pid=\"{}\",command=\"{}\"", report.pid, prometheus_label_value(report.command));
}

void add_header(std::string &out, const family &f) {
    out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", f.name, f.help, f.name);
}

}  // namespace

std::string prometheus_text(const std::vector<inspect::process_report> &reports, const scan_counts &counts,
                            bool with_images) {
    std::vector<std::string> labels;
    std::vector<process_totals> totals;
    labels.reserve(reports.size());
    totals.reserve(reports.size());
    for (const inspect::process_report &report : reports) {
        labels.push_back(labels_of(report));
        totals.push_back(totals_of(report));
    }

    std::string out;
    auto per_process = [&](const family &f, auto value_of) {
        add_header(out, f);
        for (size_t i = 0; i < reports.size(); ++i)
            out += fmt::format("{}{{{}}} {}\n", f.name, labels[i], value_of(reports[i], totals[i]));
    };
    using report_t = const inspect::process_report &;
    using totals_t = const process_totals &;
    per_process({"sealkit_process_mappings", "Mappings in the process's address space (entries of /proc/PID/smaps)."},
                [](report_t r, totals_t) { return uint64_t{r.mappings}; });
    per_process({"sealkit_process_sealed_mappings", "Mappings sealed with mseal(2) (\"sl\" in VmFlags)."},
                [](report_t r, totals_t) { return uint64_t{r.sealed_mappings}; });
    per_process({"sealkit_process_bytes", "Bytes mapped in the process's address space."},
                [](report_t, totals_t t) { return t.bytes; });
    per_process({"sealkit_process_sealed_bytes", "Bytes in sealed mappings."},
                [](report_t, totals_t t) { return t.sealed_bytes; });
    per_process({"sealkit_process_file_backed_bytes", "Bytes in mappings of files (inode not 0)."},
                [](report_t r, totals_t) { return r.file_backed_bytes; });
    per_process({"sealkit_process_file_backed_sealed_bytes", "Bytes in sealed mappings of files."},
                [](report_t r, totals_t) { return r.sealed_file_backed_bytes; });
    per_process({"sealkit_process_seccomp_backend",
                 "1 when sealkit's seccomp backend runs in the process (its exec marker is mapped and seccomp filters "
                 "run): its seals have no \"sl\" flag, so the sealed counts above leave them out."},
                [](report_t r, totals_t) { return uint64_t{r.seccomp_backend ? 1u : 0u}; });
    if (with_images)
        per_process({"sealkit_process_unsealed_images",
                     "Executable and library images with an executable mapping that is not sealed."},
                    [](report_t r, totals_t) { return uint64_t{unsealed_images(r).size()}; });

    add_header(out, {"sealkit_status_processes",
                     "Processes this run tried, by outcome: inspected, without_user_memory (kernel threads, "
                     "zombies), vanished, permission_denied, failed."});
    const std::pair<const char *, size_t> outcomes[] = {{"inspected", counts.inspected},
                                                        {"without_user_memory", counts.without_user_memory},
                                                        {"vanished", counts.vanished},
                                                        {"permission_denied", counts.permission_denied},
                                                        {"failed", counts.failed}};
    for (const auto &[outcome, count] : outcomes)
        out += fmt::format("sealkit_status_processes{{outcome=\"{}\"}} {}\n", outcome, count);
    return out;
}

}  // namespace sealkit::cli
