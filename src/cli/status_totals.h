// Per-process figures that `status --all` and the Prometheus output show
// beside the report's own totals: all bytes, sealed bytes, and which
// backend (if any can be told from outside) sealed them.
//
//   process_totals totals = totals_of(report);
//   if (totals.sealed_by_program) ...  // backend "kernel"
//   known_backend(totals)              // "kernel", "seccomp" or nullptr
#pragma once

#include <stdint.h>

#include "inspect/process_report.h"

namespace sealkit::cli {

struct process_totals {
    uint64_t bytes = 0;         // every mapping
    uint64_t sealed_bytes = 0;  // mappings with "sl"
    // Some mapping other than the kernel's own ([vdso], [vvar], [vsyscall],
    // ... which CONFIG_MSEAL_SYSTEM_MAPPINGS seals in every process) is
    // sealed: the process (or a library in it) called mseal(2).
    bool sealed_by_program = false;
    // sealkit's seccomp backend runs in it (process_report::seccomp_backend).
    bool seccomp_backend = false;
};

process_totals totals_of(const inspect::process_report &report);

// The backend that enforces the process's seals, as far as it can be known
// from outside: "kernel" when it has sealed memory of its own ("sl" is set
// only by the kernel's mseal); "seccomp" when it has none but runs
// sealkit's seccomp backend (whose seals smaps cannot show); nullptr when
// nothing tells (it sealed nothing, or uses no sealing at all).
const char *known_backend(const process_totals &totals);

}  // namespace sealkit::cli
