// Text from a process (its command name, its file names) made safe to print
// on one line of a terminal: a command name may hold any byte but NUL,
// including newlines and escape sequences that would forge or recolour
// lines of sealkit's output.
//
//   printable("a\nb")  // "a\x0ab"
#pragma once

#include <string>
#include <string_view>

namespace sealkit::cli {

// Control characters (0x00-0x1f, 0x7f) written as \xNN; everything else,
// including UTF-8, unchanged.
std::string printable(std::string_view text);

}  // namespace sealkit::cli
