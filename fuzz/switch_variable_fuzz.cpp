// Fuzz target for the SEALKIT_* switch reader (src/system/switch_variable.h),
// which reads environment values anyone starting a program can set. Whatever
// the bytes (up to the first NUL, as the environment holds them), the answer
// must be on for exactly 1/yes/true/on, off for exactly 0/no/false/off, unset
// for the empty string and unknown for everything else, checked here against
// a table written independently of the reader.
#include <stdint.h>
#include <stdlib.h>

#include <string>

#include "system/switch_variable.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string text(reinterpret_cast<const char *>(data), size);
    text = text.substr(0, text.find('\0'));
    using sealkit::sys::switch_value;
    switch_value expected = switch_value::unknown;
    if (text.empty()) expected = switch_value::unset;
    else if (text == "1" || text == "yes" || text == "true" || text == "on") expected = switch_value::on;
    else if (text == "0" || text == "no" || text == "false" || text == "off") expected = switch_value::off;
    if (sealkit::sys::parse_switch(text.c_str()) != expected) abort();
    return 0;
}
