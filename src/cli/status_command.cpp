#include "status_command.h"

#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "address_space_map.h"
#include "exit_status.h"
#include "inspect/process_inspection.h"
#include "pid_argument.h"
#include "prometheus_output.h"
#include "status_all.h"
#include "status_output.h"
#include "status_policy.h"
#include "system/syscalls.h"
#include "terminal_colors.h"

namespace sealkit::cli {
namespace {

using json_value = nlohmann::ordered_json;

// The testing hook: makes status behave as on a kernel that cannot report
// seals, so that path can be tested on kernels that can. Read here only.
constexpr const char *kAssumeNoSealFlag = "SEALKIT_ASSUME_NO_SEAL_FLAG";

enum class output_format { text, json, prometheus };

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

// Prints one sentence about a bad combination of arguments; returns the
// usage status.
int usage_error(const std::string &sentence) {
    fmt::print(stderr, "sealkit status: {}\n", sentence);
    return exit_usage;
}

void count_failure(scan_counts &counts, inspect::inspection_error error) {
    switch (error) {
    case inspect::inspection_error::no_such_process: ++counts.vanished; break;
    case inspect::inspection_error::permission_denied: ++counts.permission_denied; break;
    default: ++counts.failed; break;
    }
}

// A JSON text that survives any bytes a process name or path holds:
// invalid UTF-8 becomes U+FFFD instead of an exception.
std::string dump(const json_value &document) {
    return document.dump(2, ' ', false, json_value::error_handler_t::replace);
}

json_value scan_json(const host_scan &scan) {
    return {{"listed", scan.listed},
            {"inspected", scan.counts.inspected},
            {"without_user_memory", scan.counts.without_user_memory},
            {"vanished", scan.counts.vanished},
            {"permission_denied", scan.counts.permission_denied},
            {"failed", scan.counts.failed},
            {"summary", all_processes_summary(scan)}};
}

// Applies --require=images to one report: says on stderr which images
// are unsealed. Returns the exit status it calls for.
int check_policy(image_requirement requirement, const inspect::process_report &report) {
    if (requirement != image_requirement::images) return exit_ok;
    std::vector<std::string> names = unsealed_images(report);
    if (names.empty()) return exit_ok;
    fmt::print(stderr, "sealkit status: {}\n", unsealed_images_sentence(report, names));
    return exit_unsealed_images;
}

struct run_settings {
    output_format format = output_format::text;
    image_requirement requirement = image_requirement::none;
    terminal_colors colors = terminal_colors::off();
    bool map = false;
};

int run_all(const run_settings &settings) {
    // A row of --all needs smaps alone. Image headers (one read per object
    // of every process) are read only when the answer needs them: the
    // policy, and JSON's per-object parts.
    inspect::inspection_options inspect_options;
    inspect_options.read_image_headers =
        settings.requirement == image_requirement::images || settings.format == output_format::json;
    inspect_options.name_processes_without_memory = false;  // they are counted, not shown
    host_scan scan = scan_host(inspect_options);
    int worst = exit_ok;
    for (const inspect::process_report &report : scan.reports)
        worst = std::max(worst, check_policy(settings.requirement, report));

    json_value errors = json_value::array();
    if (read_nothing(scan)) {
        status_failure failure{std::nullopt, "read-failed", std::max<int>(scan.worst_failure, exit_read_failed), ""};
        if (scan.list_error != 0) {
            failure.message = fmt::format("could not list the processes in /proc ({}).", strerror(scan.list_error));
        } else {
            failure.message = fmt::format("could not read any process ({}).", all_processes_summary(scan));
            switch (scan.worst_failure) {
            case exit_no_such_process: failure.error = "no-such-process"; break;
            case exit_permission_denied: failure.error = "permission-denied"; break;
            case exit_no_seal_reporting: failure.error = "kernel-cannot-report-seals"; break;
            default: break;
            }
            if (scan.worst_failure != 0) failure.exit_status = scan.worst_failure;
        }
        print_failure(failure);
        errors.push_back(failure_json(failure));
        worst = std::max(worst, failure.exit_status);
    }

    switch (settings.format) {
    case output_format::text: fmt::print("{}", all_processes_text(scan, settings.colors)); break;
    case output_format::prometheus:
        fmt::print("{}", prometheus_text(scan.reports, scan.counts, inspect_options.read_image_headers));
        break;
    case output_format::json: {
        json_value processes = json_value::array();
        for (const inspect::process_report &report : scan.reports) processes.push_back(status_json(report));
        json_value document{{"format_version", 1},
                            {"require", requirement_name(settings.requirement)},
                            {"scan", scan_json(scan)},
                            {"processes", std::move(processes)},
                            {"errors", std::move(errors)}};
        fmt::print("{}\n", dump(document));
        break;
    }
    }
    return worst;
}

int run_pids(const run_settings &settings, const std::vector<pid_argument> &targets) {
    json_value processes = json_value::array();
    json_value failures = json_value::array();
    std::vector<inspect::process_report> reports;
    scan_counts counts;
    int worst = exit_ok;
    bool first_report = true;
    for (const pid_argument &target : targets) {
        region_collector regions;
        inspect::inspection_options inspect_options;
        if (settings.map) {
            inspect_options.also_visit = region_collector::visit;
            inspect_options.also_visit_context = &regions;
        }
        inspect::inspection result = inspect::inspect_process(target.pid, inspect_options);
        if (result.error != inspect::inspection_error::none) {
            status_failure failure = failure_for(target, result);
            print_failure(failure);
            failures.push_back(failure_json(failure));
            worst = std::max(worst, failure.exit_status);
            count_failure(counts, result.error);
            continue;
        }
        if (result.report.mappings == 0) ++counts.without_user_memory;
        else ++counts.inspected;
        worst = std::max(worst, check_policy(settings.requirement, result.report));
        switch (settings.format) {
        case output_format::json: processes.push_back(status_json(result.report)); break;
        case output_format::prometheus: reports.push_back(std::move(result.report)); break;
        case output_format::text:
            // A blank line between processes; flushed as each one finishes.
            fmt::print("{}{}", first_report ? "" : "\n",
                       settings.map ? draw_address_space(result.report, regions.regions(), settings.colors,
                                                         sys::page_size())
                                    : status_text(result.report, settings.colors));
            fflush(stdout);
            break;
        }
        first_report = false;
    }
    if (settings.format == output_format::json) {
        json_value document{{"format_version", 1},
                            {"require", requirement_name(settings.requirement)},
                            {"processes", std::move(processes)},
                            {"errors", std::move(failures)}};
        fmt::print("{}\n", dump(document));
    } else if (settings.format == output_format::prometheus) {
        fmt::print("{}", prometheus_text(reports, counts, true));
    }
    return worst;
}

}  // namespace

CLI::App *add_status_command(CLI::App &app, status_options &options) {
    CLI::App *status =
        app.add_subcommand("status", "Show which memory of running processes is sealed, object by object.");
    status->add_option("PID", options.pids, "Process IDs to inspect; \"self\" is the sealkit process itself");
    status->add_flag("--all", options.all,
                     "Every process you may read, one row each, and a summary (instead of PIDs)");
    status->add_flag("--map", options.map,
                     "Draw each PID's address space: one line per region, '#' sealed, '.' unsealed");
    CLI::Option *format = status->add_option("--format", options.format, "Output: text (default), json or prometheus")
                              ->check(CLI::IsMember({"text", "json", "prometheus"}));
    status->add_flag("--json", options.json, "The same as --format=json")->excludes(format);
    status->add_option("--require", options.require,
                       "images: exit 1 when a process has an executable or library image that is not sealed")
        ->check(CLI::IsMember({"images", "none"}));
    status->add_flag("--no-color", options.no_color, "Never colour the output (NO_COLOR=1 does the same)");
    status->footer(std::string(
                       "One row per object: the executable and each library by path, [vdso], [vvar], [stack],\n"
                       "[heap], each [anon:NAME], and \"anonymous\" for other anonymous memory (an object's .bss\n"
                       "counts as the object's). MAPS, BYTES and SEALED count its mappings and bytes; TEXT,\n"
                       "RODATA, RELRO and DATA say whether that part of an ELF object is sealed, partly sealed\n"
                       "or unsealed (\"-\": the object has none, or is not a readable ELF object).\n"
                       "--all gives one row per process; processes that exit or may not be read during the\n"
                       "scan are counted in the summary, and the status is 0 unless none could be read.\n"
                       "Colours only when stdout is a terminal, without --no-color and with NO_COLOR unset.\n\n") +
                   kExitStatusFooter + "\n" + kAssumeNoSealFlag +
                   "=1 (a testing hook) makes status act as on a kernel that cannot report seals.\n" + kSeeManual);
    return status;
}

int run_status(const status_options &options) {
    run_settings settings;
    if (options.json || options.format == "json") settings.format = output_format::json;
    else if (options.format == "prometheus") settings.format = output_format::prometheus;
    settings.requirement = options.require == "images" ? image_requirement::images : image_requirement::none;
    settings.map = options.map;

    // Every argument is checked before any process is read: a typo should
    // not produce half a report.
    if (options.all && !options.pids.empty())
        return usage_error(fmt::format("give PIDs or --all, not both (PID \"{}\" was given with --all).",
                                       options.pids.front()));
    if (!options.all && options.pids.empty())
        return usage_error("a PID is required (or --all for every process; see 'sealkit status --help').");
    if (options.map && options.all)
        return usage_error("--map draws the processes named by PID, one picture each; it does not take --all.");
    if (options.map && settings.format != output_format::text)
        return usage_error(fmt::format("--map draws a picture for a person and cannot be given with --format={}.",
                                       settings.format == output_format::json ? "json" : "prometheus"));
    std::vector<pid_argument> targets;
    for (const std::string &text : options.pids) {
        std::optional<pid_argument> parsed = parse_pid_argument(text);
        if (!parsed) return usage_error(fmt::format("\"{}\" is not a PID (give a positive number or \"self\").", text));
        targets.push_back(std::move(*parsed));
    }
    if (settings.format == output_format::text) settings.colors = terminal_colors::for_stdout(options.no_color);

    if (std::optional<std::string> why = why_seals_are_unreportable()) {
        status_failure failure{std::nullopt, "kernel-cannot-report-seals", exit_no_seal_reporting,
                               fmt::format("this kernel cannot report which memory is sealed ({}), so no process "
                                           "was inspected.",
                                           *why)};
        print_failure(failure);
        if (settings.format == output_format::json) {
            json_value document{{"format_version", 1},
                                {"require", requirement_name(settings.requirement)},
                                {"processes", json_value::array()},
                                {"errors", json_value::array({failure_json(failure)})}};
            fmt::print("{}\n", dump(document));
        }
        return exit_no_seal_reporting;
    }
    return options.all ? run_all(settings) : run_pids(settings, targets);
}

}  // namespace sealkit::cli
