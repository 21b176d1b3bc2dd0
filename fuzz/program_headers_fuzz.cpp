// Fuzz target for the ELF program-header reader (src/elf): any bytes, taken
// as the start of a file, must parse without a crash or an out-of-bounds
// read, and whatever it accepts must really lie inside the input.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elf/program_headers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    using namespace sealkit::elf;
    file_header header;
    if (read_file_header(data, size, &header) != parse_error::none) return 0;

    // The reader reads exactly the bytes it vouched for: copy them to a
    // buffer of that size so a sanitizer catches any read past it.
    uint64_t end = 0;
    bool has_end = program_headers_end(header, &end);
    size_t visible = has_end && end <= size ? static_cast<size_t>(end) : size;
    uint8_t *exact = static_cast<uint8_t *>(malloc(visible ? visible : 1));
    if (exact == nullptr) return 0;
    memcpy(exact, data, visible);

    program_header_table table;
    parse_error error = table.open(header, exact, visible);
    if (error == parse_error::none) {
        if (table.count() != 0 && (!has_end || end > visible)) abort();  // accepted a table it cannot hold
        program_header ph;
        for (size_t i = 0; i < table.count(); ++i)
            if (!table.get(i, &ph)) abort();
        if (table.get(table.count(), &ph)) abort();
    } else if (table.count() != 0) {
        abort();  // a refused table must be empty
    }
    if (describe(error) == nullptr) abort();
    free(exact);
    return 0;
}
