#include "status_policy.h"

#include <fmt/format.h>

#include "printable_text.h"

namespace sealkit::cli {

const char *requirement_name(image_requirement requirement) {
    return requirement == image_requirement::images ? "images" : "none";
}

std::vector<std::string> unsealed_images(const inspect::process_report &report) {
    std::vector<std::string> names;
    for (const inspect::object_row &row : report.objects) {
        bool image = row.kind == inspect::object_kind::executable || row.kind == inspect::object_kind::library;
        if (image && row.unsealed_executable_mappings > 0) names.push_back(row.name);
    }
    return names;
}

std::string unsealed_images_sentence(const inspect::process_report &report, const std::vector<std::string> &names) {
    std::string list;
    for (const std::string &name : names) list += (list.empty() ? "" : ", ") + printable(name);
    return fmt::format("PID {} ({}) has {} with unsealed executable mappings: {}.", report.pid,
                       printable(report.command), names.size() == 1 ? "an image" : "images", list);
}

}  // namespace sealkit::cli
