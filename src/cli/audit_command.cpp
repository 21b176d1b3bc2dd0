#include "audit_command.h"

#include <stdio.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "audit/audit_scan.h"
#include "audit_output.h"
#include "exit_status.h"

namespace sealkit::cli {
namespace {

// "audit: 1234 files, /usr/lib/x86_64-linux-gnu/libfoo.so" on stderr,
// rewritten in place at most every 100 ms, only while recursing and only
// when stderr is a terminal; cleared before anything else is printed.
class progress_line {
public:
    explicit progress_line(bool enabled) : enabled_(enabled) {
        winsize size{};
        if (enabled_ && ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 20) width_ = size.ws_col;
    }
    ~progress_line() { clear(); }

    void update(size_t seen, const std::string &path) {
        if (!enabled_) return;
        timespec now;
        clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
        long long ms = now.tv_sec * 1000LL + now.tv_nsec / 1000000;
        if (shown_ && ms - last_ms_ < 100) return;
        last_ms_ = ms;
        std::string text = fmt::format("audit: {} files, {}", seen, printable_path(path));
        if (text.size() > width_ - 1) text = text.substr(0, width_ - 4) + "...";
        fmt::print(stderr, "\r\033[K{}", text);
        fflush(stderr);
        shown_ = true;
    }

    void clear() {
        if (!shown_) return;
        fmt::print(stderr, "\r\033[K");
        fflush(stderr);
        shown_ = false;
    }

private:
    bool enabled_;
    bool shown_ = false;
    size_t width_ = 80;
    long long last_ms_ = 0;
};

}  // namespace

CLI::App *add_audit_command(CLI::App &app, audit_options &options) {
    CLI::App *audit = app.add_subcommand("audit", "Tell whether ELF files can be sealed at start-up, and why not.");
    audit->add_flag("-r,--recursive", options.recursive,
                    "Audit every file in the directories given (symbolic links are not followed; files that are "
                    "not ELF are skipped)");
    audit->add_flag("--json", options.json, "Print one JSON document instead of text");
    audit->add_flag("--details", options.details,
                    "Print the detailed report for every file (the default for a single file)");
    audit->add_option("path", options.paths, "ELF files, or with -r directories")->required();
    audit->footer(std::string(
                      "Reads each file's ELF and program headers, dynamic section and notes (nothing is run) and\n"
                      "reports class, machine, type, RELRO, BIND_NOW, TEXTREL, executable stack, writable and\n"
                      "executable segments, GNU_PROPERTY_MEMORY_SEAL, PT_GNU_MUTABLE/PT_OPENBSD_MUTABLE ranges,\n"
                      "static linking, and a verdict: sealable, sealable with caveats, not sealable, not loadable.\n"
                      "One file gets a detailed report; several, or -r, a table and a summary.\n\n") +
                  kExitStatusFooter + "\n" + kSeeManual);
    return audit;
}

int run_audit(const audit_options &options) {
    const bool details = options.details || (!options.recursive && options.paths.size() == 1);
    progress_line progress(options.recursive && isatty(STDERR_FILENO));
    nlohmann::ordered_json files = nlohmann::ordered_json::array();
    nlohmann::ordered_json errors = nlohmann::ordered_json::array();
    bool table_started = false;

    auto on_file = [&](const audit::audited_file &file) {
        if (options.json) {
            files.push_back(audit_file_json(file));
            return;
        }
        progress.clear();
        if (details) {
            if (table_started) fmt::print("\n");
            fmt::print("{}", audit_details(file));
        } else {
            if (!table_started) fmt::print("{}", audit_table_header());
            fmt::print("{}", audit_table_row(file));
        }
        table_started = true;
    };
    auto on_failure = [&](const audit::audit_failure &failure) {
        progress.clear();
        fmt::print(stderr, "sealkit audit: {}\n", audit_failure_sentence(failure));
        if (options.json) errors.push_back(audit_failure_json(failure));
    };
    auto on_progress = [&](size_t seen, const std::string &path) { progress.update(seen, path); };

    audit::audit_scan scan({options.recursive}, on_file, on_failure, on_progress);
    for (const std::string &path : options.paths) scan.visit(path);
    progress.clear();

    const audit::audit_counts &counts = scan.counts();
    if (options.json) {
        nlohmann::ordered_json document;
        document["format_version"] = 1;
        document["files"] = std::move(files);
        document["errors"] = std::move(errors);
        document["summary"] = audit_counts_json(counts);
        // Paths need not be UTF-8: invalid bytes become U+FFFD rather than
        // an exception.
        fmt::print("{}\n", document.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
    } else if (!details || options.recursive || options.paths.size() > 1) {
        if (table_started && details) fmt::print("\n");
        fmt::print("{}", audit_summary(counts));
    }
    fflush(stdout);
    return counts.failed == 0 ? exit_ok : exit_audit_failed;
}

}  // namespace sealkit::cli
