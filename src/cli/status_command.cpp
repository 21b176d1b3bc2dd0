#include "status_command.h"

#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "exit_status.h"
#include "inspect/process_inspection.h"
#include "pid_argument.h"
#include "status_output.h"
#include "system/syscalls.h"

namespace sealkit::cli {
namespace {

// The testing hook: makes status behave as on a kernel that cannot report
// seals, so that path can be tested on kernels that can. Read here only.
constexpr const char *kAssumeNoSealFlag = "SEALKIT_ASSUME_NO_SEAL_FLAG";

std::string errno_name(int error) {
    const char *name = strerrorname_np(error);
    return name ? name : fmt::format("errno {}", error);
}

// Why smaps cannot show "sl" on this kernel, or nullopt when it can.
std::optional<std::string> why_seals_are_unreportable() {
    const char *assumed = getenv(kAssumeNoSealFlag);
    if (assumed != nullptr && strcmp(assumed, "1") == 0)
        return fmt::format("{}=1 asks sealkit to assume so", kAssumeNoSealFlag);
    long probe = sys::probe_seal_support();
    if (probe != 0) return fmt::format("it has no mseal(2): the probe failed with {}", errno_name(static_cast<int>(-probe)));
    return std::nullopt;
}

status_failure failure_for(const pid_argument &argument, const inspect::inspection &result) {
    const std::string &pid = argument.text;
    std::string smaps = argument.pid == 0 ? "/proc/self/smaps" : fmt::format("/proc/{}/smaps", argument.pid);
    switch (result.error) {
    case inspect::inspection_error::no_such_process:
        return {pid, "no-such-process", exit_no_such_process, fmt::format("no process has PID {}.", pid)};
    case inspect::inspection_error::permission_denied:
        return {pid, "permission-denied", exit_permission_denied,
                fmt::format("not allowed to read the memory map of PID {} ({}: {}); that takes its user ID or CAP_SYS_PTRACE.",
                            pid, smaps, strerror(result.error_number))};
    case inspect::inspection_error::no_seal_flag:
        return {pid, "kernel-cannot-report-seals", exit_no_seal_reporting,
                fmt::format("{} has no VmFlags lines, so this kernel cannot report which memory of PID {} is sealed.",
                            smaps, pid)};
    case inspect::inspection_error::read_failed:
    case inspect::inspection_error::none: break;
    }
    return {pid, "read-failed", exit_read_failed,
            fmt::format("could not read the memory map of PID {} ({}: {}).", pid, smaps, strerror(result.error_number))};
}

void print_failure(const status_failure &failure) { fmt::print(stderr, "sealkit status: {}\n", failure.message); }

}  // namespace

CLI::App *add_status_command(CLI::App &app, status_options &options) {
    CLI::App *status =
        app.add_subcommand("status", "Show which memory of running processes is sealed, object by object.");
    status->add_option("PID", options.pids, "Process IDs to inspect; \"self\" is the sealkit process itself")
        ->required();
    status->add_flag("--json", options.json, "Print one JSON document instead of tables");
    status->footer(std::string(
                       "One row per object: the executable and each library by path, [vdso], [vvar], [stack],\n"
                       "[heap], each [anon:NAME], and \"anonymous\" for other anonymous memory (an object's .bss\n"
                       "counts as the object's). MAPS, BYTES and SEALED count its mappings and bytes; TEXT,\n"
                       "RODATA, RELRO and DATA say whether that part of an ELF object is sealed, partly sealed\n"
                       "or unsealed (\"-\": the object has none, or is not a readable ELF object).\n\n") +
                   kExitStatusFooter + "\n" + kAssumeNoSealFlag +
                   "=1 (a testing hook) makes status act as on a kernel that cannot report seals.\n" + kSeeManual);
    return status;
}

int run_status(const status_options &options) {
    // Every argument is checked before any process is read: a typo should
    // not produce half a report.
    std::vector<pid_argument> targets;
    for (const std::string &text : options.pids) {
        std::optional<pid_argument> parsed = parse_pid_argument(text);
        if (!parsed) {
            fmt::print(stderr, "sealkit status: \"{}\" is not a PID (give a positive number or \"self\").\n", text);
            return exit_usage;
        }
        targets.push_back(std::move(*parsed));
    }

    nlohmann::ordered_json processes = nlohmann::ordered_json::array();
    nlohmann::ordered_json failures = nlohmann::ordered_json::array();
    int worst = exit_ok;

    if (std::optional<std::string> why = why_seals_are_unreportable()) {
        status_failure failure{std::nullopt, "kernel-cannot-report-seals", exit_no_seal_reporting,
                               fmt::format("this kernel cannot report which memory is sealed ({}), so no process "
                                           "was inspected.",
                                           *why)};
        print_failure(failure);
        if (options.json) {
            failures.push_back(failure_json(failure));
            fmt::print("{}\n", nlohmann::ordered_json{{"format_version", 1},
                                                      {"processes", processes},
                                                      {"errors", failures}}
                                   .dump(2));
        }
        return exit_no_seal_reporting;
    }

    bool first_report = true;
    for (const pid_argument &target : targets) {
        inspect::inspection result = inspect::inspect_process(target.pid);
        if (result.error != inspect::inspection_error::none) {
            status_failure failure = failure_for(target, result);
            print_failure(failure);
            failures.push_back(failure_json(failure));
            worst = std::max(worst, failure.exit_status);
            continue;
        }
        if (options.json) {
            processes.push_back(status_json(result.report));
        } else {
            // A blank line between processes; flushed as each one finishes.
            fmt::print("{}{}", first_report ? "" : "\n", status_text(result.report));
            fflush(stdout);
        }
        first_report = false;
    }
    if (options.json) {
        nlohmann::ordered_json document{{"format_version", 1}, {"processes", processes}, {"errors", failures}};
        fmt::print("{}\n", document.dump(2));
    }
    return worst;
}

}  // namespace sealkit::cli
