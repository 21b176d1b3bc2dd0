#include "byte_size.h"

#include <fmt/format.h>

namespace sealkit::cli {

std::string human_bytes(uint64_t bytes) {
    if (bytes < 1024) return fmt::format("{} B", bytes);
    static constexpr const char *kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    size_t unit = 0;
    uint64_t divisor = 1024;
    while (unit + 1 < std::size(kUnits) && bytes / divisor >= 1024) {
        divisor *= 1024;
        ++unit;
    }
    if (bytes % divisor == 0) return fmt::format("{} {}", bytes / divisor, kUnits[unit]);
    return fmt::format("{:.1f} {}", static_cast<double>(bytes) / static_cast<double>(divisor), kUnits[unit]);
}

double sealed_percent(uint64_t sealed, uint64_t total) {
    if (total == 0) return 0.0;
    // Tenths of a percent, rounded down, in integers: no 99.96 shown as 100.0.
    auto tenths = static_cast<uint64_t>(static_cast<unsigned __int128>(sealed) * 1000 / total);
    return static_cast<double>(tenths) / 10.0;
}

}  // namespace sealkit::cli
