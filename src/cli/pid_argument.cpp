#include "pid_argument.h"

#include <limits.h>

namespace sealkit::cli {

std::optional<pid_argument> parse_pid_argument(std::string_view text) {
    if (text == "self") return pid_argument{std::string(text), 0};
    if (text.empty()) return std::nullopt;
    long long value = 0;
    for (char c : text) {
        // Digits only: no sign, no spaces, no hex; strtol would accept all three.
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
        if (value > INT_MAX) return std::nullopt;
    }
    if (value == 0) return std::nullopt;
    return pid_argument{std::string(text), static_cast<int>(value)};
}

}  // namespace sealkit::cli
