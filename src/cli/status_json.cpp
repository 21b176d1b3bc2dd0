// The JSON form of `sealkit status` (schema: docs/cli.md).
#include <fmt/format.h>

#include "byte_size.h"
#include "status_output.h"
#include "status_policy.h"
#include "status_totals.h"

namespace sealkit::cli {
namespace {

using json = nlohmann::ordered_json;

json parts_json(const inspect::object_row &row) {
    if (!row.classified) return nullptr;
    json parts = json::object();
    for (size_t i = 0; i < inspect::kImagePartCount; ++i) {
        auto part = static_cast<inspect::image_part>(i);
        const inspect::part_bytes &bytes = row.part(part);
        parts[inspect::part_name(part)] = {{"bytes", bytes.bytes},
                                           {"sealed_bytes", bytes.sealed_bytes},
                                           {"state", inspect::state_name(inspect::state_of(bytes))}};
    }
    return parts;
}

json object_json(const inspect::object_row &row) {
    json j;
    j["name"] = row.name;
    j["kind"] = inspect::kind_name(row.kind);
    j["first_address"] = fmt::format("{:#x}", row.first_address);
    j["mappings"] = row.mappings;
    j["sealed_mappings"] = row.sealed_mappings;
    j["bytes"] = row.bytes;
    j["sealed_bytes"] = row.sealed_bytes;
    j["layout_from"] = row.classified ? json(inspect::origin_name(row.layout_origin)) : json(nullptr);
    j["parts"] = parts_json(row);
    return j;
}

}  // namespace

json status_json(const inspect::process_report &report) {
    json j;
    j["pid"] = report.pid;
    j["command"] = report.command.empty() ? json(nullptr) : json(report.command);
    j["executable"] = report.executable.empty() ? json(nullptr) : json(report.executable);
    j["mappings"] = report.mappings;
    j["sealed_mappings"] = report.sealed_mappings;
    j["file_backed_bytes"] = report.file_backed_bytes;
    j["sealed_file_backed_bytes"] = report.sealed_file_backed_bytes;
    j["sealed_file_backed_percent"] = sealed_percent(report.sealed_file_backed_bytes, report.file_backed_bytes);
    j["summary"] = status_summary(report);
    const char *backend = known_backend(totals_of(report));
    j["backend"] = backend ? json(backend) : json(nullptr);
    j["seccomp_backend"] = report.seccomp_backend;
    j["seccomp_filters"] = report.seccomp_backend && report.seccomp_filters > 0 ? json(report.seccomp_filters)
                                                                                 : json(nullptr);
    j["unsealed_images"] = unsealed_images(report);
    json objects = json::array();
    for (const inspect::object_row &row : report.objects) objects.push_back(object_json(row));
    j["objects"] = std::move(objects);
    return j;
}

json failure_json(const status_failure &failure) {
    json j;
    j["pid"] = failure.pid ? json(*failure.pid) : json(nullptr);
    j["error"] = failure.error;
    j["exit_status"] = failure.exit_status;
    j["message"] = failure.message;
    return j;
}

}  // namespace sealkit::cli
