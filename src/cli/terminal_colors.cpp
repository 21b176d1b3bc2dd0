#include "terminal_colors.h"

#include <stdlib.h>
#include <unistd.h>

namespace sealkit::cli {
namespace {

// SGR sequences: 32 green, 33 yellow, 31 red, 2 faint; 0 resets.
const char *escape_for(color which) {
    switch (which) {
    case color::sealed: return "\033[32m";
    case color::partly: return "\033[33m";
    case color::unsealed: return "\033[31m";
    case color::dim: return "\033[2m";
    }
    return "";
}

}  // namespace

terminal_colors terminal_colors::for_stdout(bool no_color_flag) {
    if (no_color_flag) return terminal_colors(false);
    const char *no_color = getenv("NO_COLOR");
    if (no_color != nullptr && no_color[0] != '\0') return terminal_colors(false);
    return terminal_colors(isatty(STDOUT_FILENO) == 1);
}

std::string terminal_colors::paint(color which, std::string_view text) const {
    if (!enabled_) return std::string(text);
    std::string out = escape_for(which);
    out += text;
    out += "\033[0m";
    return out;
}

}  // namespace sealkit::cli
