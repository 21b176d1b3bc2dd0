// Byte counts for people: "12 KiB", "1.5 MiB". JSON output keeps exact
// integers; only the text tables round.
#pragma once

#include <stdint.h>

#include <string>

namespace sealkit::cli {

// Binary units (KiB = 1024 bytes), at most one decimal, "0 B" for zero.
std::string human_bytes(uint64_t bytes);

// sealed / total as a percentage with one decimal, rounded *down* so that
// 100.0 is shown only when everything is sealed. 0 when total is 0.
double sealed_percent(uint64_t sealed, uint64_t total);

}  // namespace sealkit::cli
