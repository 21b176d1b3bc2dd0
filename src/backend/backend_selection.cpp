// Chooses the backend once per process, from SEALKIT_BACKEND and what the
// kernel offers.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "seccomp/seal_enforcer.h"
#include "system/syscalls.h"

namespace sealkit {
namespace {

struct choice {
    const backend *chosen;
    const char *reason;
};

// secure_getenv: in a setuid program the caller cannot choose the backend
// (SEALKIT_BACKEND=none would switch its protection off).
// The reason strings name the rule that chose, so `sealkit check` can say
// it in one sentence; the ones built at run time are written once, before
// the choice is published.
char g_reason[200];

choice seccomp_or_none(const char *why_seccomp, const char *why_none_prefix) {
    const char *unavailable = nullptr;
    if (seccomp::filters_available(&unavailable)) {
        prepare_seccomp_backend();
        return {&seccomp_backend(), why_seccomp};
    }
    snprintf(g_reason, sizeof g_reason, "%s, and seccomp filters are unavailable: %s", why_none_prefix, unavailable);
    return {&no_backend(), g_reason};
}

choice choose_backend() {
    const char *requested = secure_getenv("SEALKIT_BACKEND");
    bool kernel_has_mseal = sys::probe_seal_support() == 0;
    // An earlier program's seccomp seals, inherited across exec, trap
    // mseal at this program's code addresses: filters added here would
    // refuse the programs this one runs where they load (seccomp-backend.md,
    // "Seals end at exec"), so this program is left unsealed.
    if (sys::seal_calls_trapped_here())
        return {&no_backend(), "an earlier program's seccomp seals trap mseal(2) at this program's addresses (ASLR "
                               "off, or the same non-PIE program run again), so sealing here would break the "
                               "programs it runs"};
    if (requested == nullptr || *requested == '\0' || strcmp(requested, "auto") == 0) {
        if (kernel_has_mseal) return {&kernel_backend(), "auto: the kernel has mseal(2)"};
        return seccomp_or_none("auto: the kernel has no mseal(2), so seccomp filters enforce seals",
                               "auto: the kernel has no mseal(2)");
    }
    if (strcmp(requested, "kernel") == 0) {
        if (kernel_has_mseal) return {&kernel_backend(), "SEALKIT_BACKEND=kernel"};
        return {&no_backend(), "SEALKIT_BACKEND=kernel, but the kernel has no mseal(2) (Linux 6.10+)"};
    }
    if (strcmp(requested, "seccomp") == 0)
        return seccomp_or_none("SEALKIT_BACKEND=seccomp", "SEALKIT_BACKEND=seccomp");
    if (strcmp(requested, "none") == 0) return {&no_backend(), "SEALKIT_BACKEND=none: sealing disabled"};
    // An unknown value must not silently weaken protection: fail closed to
    // "none" so every seal reports ENOSYS, and say why, naming the value so
    // a typo is visible. Written once, before the choice is published.
    snprintf(g_reason, sizeof g_reason, "SEALKIT_BACKEND=%.64s is unknown (use auto, kernel, seccomp or none)",
             requested);
    return {&no_backend(), g_reason};
}

// Written once; a race between two first callers computes the same answer.
choice g_choice{nullptr, nullptr};

const choice &current_choice() {
    if (__atomic_load_n(&g_choice.chosen, __ATOMIC_ACQUIRE) == nullptr) {
        choice fresh = choose_backend();
        __atomic_store_n(&g_choice.reason, fresh.reason, __ATOMIC_RELAXED);
        __atomic_store_n(&g_choice.chosen, fresh.chosen, __ATOMIC_RELEASE);
        __atomic_store_n(&g_chosen_kind, static_cast<int>(fresh.chosen->kind), __ATOMIC_RELEASE);
    }
    return g_choice;
}

}  // namespace

int g_chosen_kind = -1;

const backend &active_backend() { return *current_choice().chosen; }
const char *active_backend_reason() { return current_choice().reason; }

}  // namespace sealkit
