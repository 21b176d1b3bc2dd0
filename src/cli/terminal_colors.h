// Whether to colour output, and the few colours sealkit uses.
//
// Colour is for a person at a terminal: it is used only when stdout is a
// terminal, never with --no-color, and never when the NO_COLOR environment
// variable is set to a non-empty value (https://no-color.org). Everything a
// colour says is also said in plain text (a word or a character), so output
// without colour loses nothing.
//
//   terminal_colors colors = terminal_colors::for_stdout(no_color_flag);
//   out += colors.paint(color::sealed, "sealed");
#pragma once

#include <string>
#include <string_view>

namespace sealkit::cli {

enum class color {
    sealed,    // green: all of it sealed
    partly,    // yellow: some of it
    unsealed,  // red: none of it
    dim,       // faint: headers, names that need no attention
};

class terminal_colors {
public:
    // Decides once: on only when stdout is a terminal, no_color_flag is
    // false and NO_COLOR is unset or empty.
    static terminal_colors for_stdout(bool no_color_flag);
    static terminal_colors off() { return terminal_colors(false); }

    bool enabled() const { return enabled_; }

    // text wrapped in the colour's escape sequence and a reset; text
    // unchanged when colour is off.
    std::string paint(color which, std::string_view text) const;

private:
    explicit terminal_colors(bool enabled) : enabled_(enabled) {}
    bool enabled_;
};

}  // namespace sealkit::cli
