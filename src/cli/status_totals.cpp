#include "status_totals.h"

namespace sealkit::cli {
namespace {

// Mappings the kernel itself may seal in every process.
bool is_system_mapping(inspect::object_kind kind) {
    return kind == inspect::object_kind::vdso || kind == inspect::object_kind::vvar ||
           kind == inspect::object_kind::special;
}

}  // namespace

process_totals totals_of(const inspect::process_report &report) {
    process_totals totals;
    for (const inspect::object_row &row : report.objects) {
        totals.bytes += row.bytes;
        totals.sealed_bytes += row.sealed_bytes;
        if (row.sealed_mappings > 0 && !is_system_mapping(row.kind)) totals.sealed_by_program = true;
    }
    totals.seccomp_backend = report.seccomp_backend;
    return totals;
}

const char *known_backend(const process_totals &totals) {
    if (totals.sealed_by_program) return "kernel";
    return totals.seccomp_backend ? "seccomp" : nullptr;
}

}  // namespace sealkit::cli
