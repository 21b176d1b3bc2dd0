#include "prometheus_label.h"

#include <stdint.h>

namespace sealkit::cli {
namespace {

// The length of the valid UTF-8 sequence at text[at], or 0 when the bytes
// there are not one (overlong forms, surrogates and values past U+10FFFF
// are invalid, as in RFC 3629).
size_t utf8_sequence_length(std::string_view text, size_t at) {
    auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
    unsigned char lead = byte(at);
    if (lead < 0x80) return 1;
    size_t length;
    uint32_t minimum;
    uint32_t value;
    if ((lead & 0xe0) == 0xc0) length = 2, minimum = 0x80, value = lead & 0x1f;
    else if ((lead & 0xf0) == 0xe0) length = 3, minimum = 0x800, value = lead & 0x0f;
    else if ((lead & 0xf8) == 0xf0) length = 4, minimum = 0x10000, value = lead & 0x07;
    else return 0;
    if (at + length > text.size()) return 0;
    for (size_t i = 1; i < length; ++i) {
        if ((byte(at + i) & 0xc0) != 0x80) return 0;
        value = (value << 6) | (byte(at + i) & 0x3f);
    }
    if (value < minimum || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) return 0;
    return length;
}

}  // namespace

std::string prometheus_label_value(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    size_t at = 0;
    while (at < text.size()) {
        char c = text[at];
        if (c == '\\' || c == '"' || c == '\n') {
            out += c == '\\' ? "\\\\" : c == '"' ? "\\\"" : "\\n";
            ++at;
            continue;
        }
        size_t length = utf8_sequence_length(text, at);
        if (length == 0) {
            out += "\xef\xbf\xbd";  // U+FFFD REPLACEMENT CHARACTER, for one bad byte
            ++at;
            continue;
        }
        out.append(text.substr(at, length));
        at += length;
    }
    return out;
}

}  // namespace sealkit::cli
