// Fuzz target for the /proc/PID/maps and smaps parser: any bytes, split
// into lines, must parse without a crash, an out-of-bounds read or a leak,
// and every mapping it reports must be well formed.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "procfs/mappings_parser.h"

namespace {

bool check_mapping(const sealkit::procfs::mapping &m, void *context) {
    if (m.end < m.start) abort();
    if (m.path == nullptr || strlen(m.path) != m.path_length) abort();
    if (m.sealed && !m.has_vmflags) abort();
    ++*static_cast<size_t *>(context);
    return true;
}

bool stop_after_first(const sealkit::procfs::mapping &, void *) { return false; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *text = reinterpret_cast<const char *>(data);
    size_t seen = 0;
    sealkit::procfs::parse_mappings_text(text, size, check_mapping, &seen);
    // Stopping early must be just as safe.
    sealkit::procfs::parse_mappings_text(text, size, stop_after_first, nullptr);
    return 0;
}
