// Renders the facts `sealkit check` gathered, for people or as JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "inspect/system_facts.h"

namespace sealkit::cli {

// Aligned "label  value" lines ending in a one-line verdict.
std::string check_text(const inspect::system_facts &facts);

// The JSON object documented in docs/cli.md ("sealkit check --json").
nlohmann::ordered_json check_json(const inspect::system_facts &facts);

}  // namespace sealkit::cli
