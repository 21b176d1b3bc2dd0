#include "system/switch_variable.h"

#include <stdlib.h>
#include <string.h>

namespace sealkit::sys {
namespace {

const char *const kOnWords[] = {"1", "yes", "true", "on"};
const char *const kOffWords[] = {"0", "no", "false", "off"};

}  // namespace

switch_value parse_switch(const char *text) {
    if (text == nullptr || *text == '\0') return switch_value::unset;
    for (const char *word : kOnWords)
        if (strcmp(text, word) == 0) return switch_value::on;
    for (const char *word : kOffWords)
        if (strcmp(text, word) == 0) return switch_value::off;
    return switch_value::unknown;
}

switch_value read_switch(const char *name) { return parse_switch(secure_getenv(name)); }

bool switch_is_on(const char *name, bool when_unset, bool when_unknown) {
    switch (read_switch(name)) {
    case switch_value::on: return true;
    case switch_value::off: return false;
    case switch_value::unset: return when_unset;
    case switch_value::unknown: break;
    }
    return when_unknown;
}

}  // namespace sealkit::sys
