// Fuzz target for the ELF audit (src/audit/elf_facts and the src/elf readers
// under it: program headers, dynamic section, GNU property notes): any
// bytes, taken as a whole file, must be read without a crash, an
// out-of-bounds read or undefined behaviour, and the answer must be
// consistent with itself.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <string>

#include "audit/byte_source.h"
#include "audit/elf_facts.h"
#include "audit/seal_verdict.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    using namespace sealkit::audit;
    // An exact-size copy, so a sanitizer sees any read past the input.
    uint8_t *exact = static_cast<uint8_t *>(malloc(size ? size : 1));
    if (exact == nullptr) return 0;
    if (size) memcpy(exact, data, size);

    memory_source source(exact, size);
    elf_facts facts;
    std::string problem;
    facts_error error = read_elf_facts(source, &facts, &problem);
    const bool has_magic = size >= 4 && memcmp(exact, "\x7f" "ELF", 4) == 0;
    if ((error == facts_error::not_elf) == has_magic) abort();  // "not ELF" exactly when the magic is missing
    if (error == facts_error::read_failed) abort();             // memory never fails to read
    if ((error == facts_error::truncated || error == facts_error::malformed) && problem.empty()) abort();
    if (error == facts_error::none) {
        if (facts.load_segments > facts.program_headers) abort();
        if (facts.is_static && facts.has_interpreter) abort();
        if (facts.relro != relro_level::none && !facts.has_relro) abort();
        seal_verdict verdict = judge(facts);
        if (verdict.kind != verdict_kind::sealable && verdict.reasons.empty()) abort();
        if (verdict.kind == verdict_kind::not_sealable && !facts.textrel && facts.writable_executable.empty()) abort();
        for (const verdict_reason &reason : verdict.reasons)
            if (reason.code.empty() || reason.message.empty()) abort();
        (void)name_of(facts.type);
        (void)machine_name(facts.machine);
    }
    free(exact);
    return 0;
}
