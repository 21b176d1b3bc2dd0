// Fuzz target for the /proc/PID/maps and smaps parser: any bytes, split
// into lines, must parse without a crash, an out-of-bounds read or a leak,
// and every mapping it reports must be well formed. The same bytes fed to
// mappings_stream in chunks (cut where the input's own bytes say) must
// give the same number of mappings and malformed lines.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "procfs/mappings_parser.h"
#include "procfs/mappings_stream.h"

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
    // Chunks: each cut after 1 to 2,048 bytes, as the byte at the cut says
    // (short ones cut lines, long ones hold several).
    size_t whole_seen = 0, chunked_seen = 0;
    const size_t malformed = sealkit::procfs::parse_mappings_text(text, size, check_mapping, &whole_seen);
    {
        sealkit::procfs::mappings_stream stream(check_mapping, &chunked_seen);
        for (size_t at = 0; at < size;) {
            size_t n = 1 + (data[at] * 131u) % 2048;
            if (n > size - at) n = size - at;
            stream.feed(text + at, n);
            at += n;
        }
        const sealkit::procfs::read_result r = stream.finish(0);
        // (Lines over 1 MiB differ by design: the stream drops them.)
        if (size < 1024 * 1024 && (r.mappings != whole_seen || chunked_seen != whole_seen ||
                                   r.malformed_lines != malformed))
            abort();
    }
    return 0;
}
