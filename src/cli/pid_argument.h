// Turns a `sealkit status` argument into a process to inspect: a positive
// decimal PID, or "self" for the sealkit process itself.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sealkit::cli {

struct pid_argument {
    std::string text;  // as the user typed it, for messages
    int pid = 0;       // 0 means "self" (read through /proc/self)
};

// nullopt when text is neither "self" nor a whole number from 1 to the
// largest pid_t.
std::optional<pid_argument> parse_pid_argument(std::string_view text);

}  // namespace sealkit::cli
