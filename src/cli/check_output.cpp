#include "check_output.h"

#include <string.h>

#include <fmt/format.h>

#include "sealkit/sealkit.h"

namespace sealkit::cli {
namespace {

std::string errno_name(int error) {
    const char *name = strerrorname_np(error);
    return name ? name : fmt::format("errno {}", error);
}

std::string mseal_line(const inspect::system_facts &f) {
    if (f.mseal_available) return "available";
    return fmt::format("not available (mseal(NULL, 0, 0) failed with {}; it needs Linux 6.10+, 64-bit)",
                       errno_name(f.mseal_probe_errno));
}

std::string glibc_line(const inspect::system_facts &f) {
    if (f.glibc_exports_mseal) return fmt::format("{}, exports mseal()", f.glibc_version);
    return fmt::format("{}, no mseal() wrapper (glibc 2.43 adds one; sealkit does not need it)", f.glibc_version);
}

std::string system_mappings_line(const inspect::system_facts &f) {
    if (!f.system_mappings_sealed) return "unknown (no vDSO, or its smaps entry has no VmFlags)";
    if (*f.system_mappings_sealed) return "sealed by the kernel (the vDSO carries \"sl\")";
    return "not sealed by the kernel (the vDSO has no \"sl\" flag)";
}

std::string mdwe_line(const inspect::system_facts &f) {
    if (!f.mdwe_available) return "not available (needs Linux 6.3+)";
    return fmt::format("available (this process: {})", f.mdwe_flags ? "refusing W+X" : "off");
}

std::string seccomp_line(const inspect::system_facts &f) {
    std::string support = !f.seccomp_filter_available  ? "unknown"
                          : *f.seccomp_filter_available ? "available"
                                                        : "not available (no CONFIG_SECCOMP_FILTER)";
    std::string filters = f.seccomp_filters ? fmt::format(", {} filters", *f.seccomp_filters) : "";
    if (f.seccomp_filter_available.value_or(false) && !f.seccomp_install_problem.empty())
        support = "present, but a filter cannot be installed: " + f.seccomp_install_problem;
    return fmt::format("{} (this process: mode {}{})", support, f.seccomp_mode, filters);
}

std::string exec_guard_line(const inspect::system_facts &f) {
    if (f.exec_guard_available) return "available: seccomp-backend seals end at exec, as the kernel's do";
    return fmt::format("not available ({}): seccomp-backend seals survive exec", f.exec_guard_problem);
}

std::string backend_line(const inspect::backend_choice &choice) {
    if (choice.name.empty()) return "unknown";
    return fmt::format("{}: {}", choice.name, choice.reason);
}

template <typename T>
nlohmann::ordered_json optional_value(const std::optional<T> &value) {
    return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json backend_json(const inspect::backend_choice &choice) {
    nlohmann::ordered_json j;
    j["name"] = choice.name.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(choice.name);
    j["reason"] = choice.reason;
    return j;
}

}  // namespace

std::string check_text(const inspect::system_facts &f) {
    std::string out;
    auto line = [&out](const char *label, const std::string &value) { out += fmt::format("{:<18}{}\n", label, value); };
    line("kernel", fmt::format("Linux {} ({})", f.kernel_release, f.machine));
    line("mseal(2)", mseal_line(f));
    line("64-bit process", f.process_is_64_bit ? "yes" : "no (the kernel reports seals only to 64-bit processes)");
    line("glibc", glibc_line(f));
    line("system mappings", system_mappings_line(f));
    line("PR_SET_MDWE", mdwe_line(f));
    line("seccomp filters", seccomp_line(f));
    line("exec guard", exec_guard_line(f));
    line("backend (auto)", backend_line(f.auto_backend));
    line("backend (active)", backend_line(f.active_backend));
    out += "\n";
    if (f.can_enforce)
        out += fmt::format("verdict: seals can be enforced here (backend \"{}\").\n", f.active_backend.name);
    else
        out += "verdict: nothing can enforce seals here (backend \"none\"): sealkit_seal() fails with ENOSYS.\n";
    return out;
}

nlohmann::ordered_json check_json(const inspect::system_facts &f) {
    nlohmann::ordered_json j;
    j["format_version"] = 1;
    j["sealkit_version"] = sealkit_version();
    j["kernel"] = {{"release", f.kernel_release}, {"version", f.kernel_version}, {"machine", f.machine}};
    j["mseal"] = {{"available", f.mseal_available},
                  {"probe_error", f.mseal_available ? nlohmann::ordered_json(nullptr)
                                                    : nlohmann::ordered_json(errno_name(f.mseal_probe_errno))}};
    j["process_64_bit"] = f.process_is_64_bit;
    j["glibc"] = {{"version", f.glibc_version}, {"exports_mseal", f.glibc_exports_mseal}};
    j["system_mappings_sealed"] = optional_value(f.system_mappings_sealed);
    j["mdwe"] = {{"available", f.mdwe_available},
                 {"flags", f.mdwe_available ? nlohmann::ordered_json(f.mdwe_flags) : nlohmann::ordered_json(nullptr)}};
    j["seccomp"] = {{"filter_available", optional_value(f.seccomp_filter_available)},
                    {"mode", f.seccomp_mode},
                    {"filters", optional_value(f.seccomp_filters)},
                    {"install_problem", f.seccomp_install_problem.empty()
                                            ? nlohmann::ordered_json(nullptr)
                                            : nlohmann::ordered_json(f.seccomp_install_problem)},
                    {"exec_guard", {{"available", f.exec_guard_available},
                                    {"problem", f.exec_guard_problem.empty()
                                                    ? nlohmann::ordered_json(nullptr)
                                                    : nlohmann::ordered_json(f.exec_guard_problem)}}}};
    j["backend"] = {{"auto", backend_json(f.auto_backend)},
                    {"active", backend_json(f.active_backend)},
                    {"can_enforce", f.can_enforce}};
    return j;
}

}  // namespace sealkit::cli
