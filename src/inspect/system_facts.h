// What `sealkit check` reports: the facts about this kernel, C library and
// process that decide whether and how memory can be sealed here.
//
// Every fact is measured, not inferred from version numbers: mseal from
// the free probe mseal(NULL, 0, 0), the kernel's sealing of its own system
// mappings from the "sl" flag on the vDSO's mapping, MDWE and seccomp from
// the prctl calls that answer differently when the feature is missing.
#pragma once

#include <optional>
#include <string>

namespace sealkit::inspect {

struct backend_choice {
    std::string name;    // "kernel", "seccomp", "none"; empty when unknown
    std::string reason;  // sealkit_backend_reason()
};

struct system_facts {
    // uname(2)
    std::string kernel_release;
    std::string kernel_version;
    std::string machine;

    bool mseal_available = false;
    int mseal_probe_errno = 0;  // 0, or what mseal(NULL, 0, 0) failed with (ENOSYS)

    bool process_is_64_bit = false;

    std::string glibc_version;         // gnu_get_libc_version()
    bool glibc_exports_mseal = false;  // dlsym(RTLD_DEFAULT, "mseal"): glibc 2.43+

    // Whether the kernel sealed [vdso] itself (CONFIG_MSEAL_SYSTEM_MAPPINGS).
    // nullopt when it cannot be told: no vDSO, or smaps unreadable.
    std::optional<bool> system_mappings_sealed;

    bool mdwe_available = false;  // PR_GET_MDWE answers (Linux 6.3+)
    int mdwe_flags = 0;           // this process's MDWE flags when available

    // CONFIG_SECCOMP_FILTER: nullopt when the probe gave an unexpected answer.
    std::optional<bool> seccomp_filter_available;
    int seccomp_mode = 0;                   // PR_GET_SECCOMP: 0 off, 2 filter
    std::optional<long> seccomp_filters;    // "Seccomp_filters:" of /proc/self/status (5.9+)
    // A real trial in a throw-away child: set no_new_privs and install a
    // filter that allows everything. Empty when it worked, else one
    // sentence on what stopped it (no_new_privs refused, the filter chain
    // full, ...): what the seccomp backend would meet here.
    std::string seccomp_install_problem;
    // Whether seals made under the seccomp backend would end at exec, as
    // the kernel's do (the exec guard, src/seccomp/exec_guard.h); when not,
    // one sentence saying why.
    bool exec_guard_available = false;
    std::string exec_guard_problem;

    backend_choice auto_backend;    // what SEALKIT_BACKEND=auto picks here
    backend_choice active_backend;  // what this process uses (SEALKIT_BACKEND honoured)
    bool can_enforce = false;       // the active backend is not "none"
};

system_facts gather_system_facts();

}  // namespace sealkit::inspect
