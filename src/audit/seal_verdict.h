// Whether an ELF file can be sealed at start-up, and why: the verdict
// `sealkit audit` prints for each file, from the facts elf_facts.h reads.
//
//   sealable       every loaded segment can be sealed right after
//                  relocation (sealkit run, or glibc's loader-sealing design)
//                  and sealing protects what it should;
//   caveats        sealing works but leaves something open: partial or no
//                  RELRO (the GOT stays writable, so sealing it is
//                  pointless), an executable stack, a static program that
//                  LD_PRELOAD cannot reach;
//   not-sealable   text relocations (the loader writes into the code) or a
//                  segment both writable and executable (sealing would fix
//                  W+X memory in place for the life of the process);
//   not-loadable   an object file, core dump or a file without PT_LOAD:
//                  nothing of it is ever mapped as it is.
//
// Each reason has a stable code for JSON and one English sentence:
//
//     seal_verdict verdict = judge(facts);
//     for (const verdict_reason &reason : verdict.reasons) puts(reason.message.c_str());
#pragma once

#include <string>
#include <vector>

#include "audit/elf_facts.h"

namespace sealkit::audit {

enum class verdict_kind { sealable, caveats, not_sealable, not_loadable };

enum class reason_severity {
    blocker,  // makes the file not sealable (or not loadable)
    caveat,   // sealing works but leaves this open
    note,     // worth knowing, changes nothing about the verdict
};

struct verdict_reason {
    reason_severity severity;
    std::string code;     // "partial-relro", "text-relocations", ...
    std::string message;  // one sentence
};

struct seal_verdict {
    verdict_kind kind = verdict_kind::sealable;
    std::vector<verdict_reason> reasons;  // blockers first, then caveats, then notes
};

seal_verdict judge(const elf_facts &facts);

// "sealable", "caveats", "not-sealable", "not-loadable"; and the phrase the
// text output uses ("sealable with caveats").
const char *name_of(verdict_kind kind);
const char *describe(verdict_kind kind);
const char *name_of(reason_severity severity);

}  // namespace sealkit::audit
