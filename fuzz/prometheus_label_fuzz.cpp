// Fuzz target for the Prometheus label escaper (src/cli/prometheus_label.cpp),
// which takes a process's command name, any bytes but NUL. Whatever the
// input, the output must be a label value the exposition format accepts:
// no raw newline or double quote, every backslash starting \\, \" or \n,
// valid UTF-8 once unescaped; and valid UTF-8 input must come back unchanged.
#include <stdint.h>
#include <stdlib.h>

#include <string>
#include <string_view>

#include "cli/prometheus_label.h"

namespace {

// An independent UTF-8 check (RFC 3629), written differently from the
// escaper's on purpose.
bool valid_utf8(std::string_view text) {
    size_t i = 0;
    while (i < text.size()) {
        auto b0 = static_cast<unsigned char>(text[i]);
        size_t n = b0 < 0x80 ? 1 : b0 >= 0xc2 && b0 <= 0xdf ? 2 : b0 >= 0xe0 && b0 <= 0xef ? 3
                                                                  : b0 >= 0xf0 && b0 <= 0xf4 ? 4 : 0;
        if (n == 0 || i + n > text.size()) return false;
        for (size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) return false;
        auto b1 = n > 1 ? static_cast<unsigned char>(text[i + 1]) : 0;
        if (b0 == 0xe0 && b1 < 0xa0) return false;  // overlong
        if (b0 == 0xed && b1 >= 0xa0) return false;  // surrogate
        if (b0 == 0xf0 && b1 < 0x90) return false;  // overlong
        if (b0 == 0xf4 && b1 >= 0x90) return false;  // past U+10FFFF
        i += n;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string_view input(reinterpret_cast<const char *>(data), size);
    std::string escaped = sealkit::cli::prometheus_label_value(input);
    std::string unescaped;
    for (size_t i = 0; i < escaped.size(); ++i) {
        char c = escaped[i];
        if (c == '\n' || c == '"') abort();  // must have been escaped
        if (c != '\\') {
            unescaped += c;
            continue;
        }
        if (i + 1 == escaped.size()) abort();  // a lone backslash at the end
        char next = escaped[++i];
        if (next == 'n') unescaped += '\n';
        else if (next == '\\' || next == '"') unescaped += next;
        else abort();  // an escape the format does not know
    }
    if (!valid_utf8(unescaped)) abort();
    if (valid_utf8(input) && unescaped != input) abort();
    return 0;
}
