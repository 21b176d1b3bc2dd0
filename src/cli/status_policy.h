// `status --require=images`: a policy for CI and monitoring. A process
// fails it when an executable or library image (an ELF file the process
// mapped) has an executable mapping that is not sealed: code an attacker
// could still remap, replace or make writable.
//
//   std::vector<std::string> names = unsealed_images(report);
//   if (!names.empty()) ...  // exit 1, naming them
#pragma once

#include <string>
#include <vector>

#include "inspect/process_report.h"

namespace sealkit::cli {

enum class image_requirement { none, images };

// "none" or "images".
const char *requirement_name(image_requirement requirement);

// The names of the report's executable and library rows that have an
// unsealed file-backed executable mapping, in the report's order. Needs a
// report made with image headers (only they tell ELF images from other
// files).
std::vector<std::string> unsealed_images(const inspect::process_report &report);

// "PID 42 (cat) has images with unsealed executable mappings: /usr/bin/cat, ...libc.so.6."
std::string unsealed_images_sentence(const inspect::process_report &report, const std::vector<std::string> &names);

}  // namespace sealkit::cli
