// The sealkit command: `check` reports whether this machine can seal
// memory, `status` shows what is sealed in running processes. Each command
// lives in its own file; this one wires them up and turns command-line
// errors into exit status 2 with one sentence on stderr.
#include <stdio.h>
#include <string.h>

#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "audit_command.h"
#include "check_command.h"
#include "exit_status.h"
#include "help_command.h"
#include "run_command.h"
#include "sealkit/sealkit.h"
#include "status_command.h"

namespace {

// CLI11 exits 1xx on a bad command line; sealkit documents 2. Help and
// --version are "errors" with status 0 and print as CLI11 intends.
int report_parse_error(CLI::App &app, const CLI::ParseError &error) {
    if (error.get_exit_code() == 0) return app.exit(error);
    std::string help = "sealkit --help";
    for (const CLI::App *command : app.get_subcommands()) help = "sealkit " + command->get_name() + " --help";
    std::string message = error.what();
    while (!message.empty() && (message.back() == '\n' || message.back() == '.')) message.pop_back();
    fmt::print(stderr, "sealkit: {} (see '{}').\n", message, help);
    return sealkit::cli::exit_usage;
}

constexpr const char *kCommands[] = {"check", "status", "run", "audit", "help"};

bool is_command_name(const char *word) {
    for (const char *command : kCommands)
        if (strcmp(word, command) == 0) return true;
    return false;
}

}  // namespace

int main(int argc, char **argv) {
    CLI::App app{"sealkit: memory sealing (mseal) for Linux", "sealkit"};
    app.set_version_flag("--version", std::string("sealkit ") + sealkit_version());
    app.footer(std::string(sealkit::cli::kExitStatusFooter) + "\n" + sealkit::cli::kSeeManual);

    // Only the command named by the first word is built when there is one:
    // each command's options cost CLI11 constructors and heap pages at every
    // start-up (sealkit status --all is timed against a plain reader of
    // smaps). Help, errors and a missing command see every command.
    const bool one_command = argc >= 2 && is_command_name(argv[1]) &&
                             !sealkit::cli::is_help_command(argc, argv);
    auto wanted = [&](const char *name) { return !one_command || strcmp(argv[1], name) == 0; };

    sealkit::cli::check_options check_options;
    CLI::App *check = wanted("check") ? sealkit::cli::add_check_command(app, check_options) : nullptr;
    sealkit::cli::status_options status_options;
    CLI::App *status = wanted("status") ? sealkit::cli::add_status_command(app, status_options) : nullptr;
    sealkit::cli::run_options run_options;
    CLI::App *run = wanted("run") ? sealkit::cli::add_run_command(app, run_options) : nullptr;
    if (wanted("help")) sealkit::cli::add_help_command(app);
    sealkit::cli::audit_options audit_options;
    CLI::App *audit = wanted("audit") ? sealkit::cli::add_audit_command(app, audit_options) : nullptr;

    if (sealkit::cli::is_help_command(argc, argv)) return sealkit::cli::run_help(app, argc, argv);
    // `run` hands everything after PROGRAM to the program, untouched.
    const int sealkit_words = sealkit::cli::split_run_arguments(argc, argv, run_options);
    try {
        app.parse(sealkit_words, argv);
    } catch (const CLI::ParseError &error) {
        return report_parse_error(app, error);
    }
    if (check != nullptr && check->parsed()) return sealkit::cli::run_check(check_options);
    if (status != nullptr && status->parsed()) return sealkit::cli::run_status(status_options);
    if (audit != nullptr && audit->parsed()) return sealkit::cli::run_audit(audit_options);
    if (run != nullptr && run->parsed()) {
        run_options.report_requested = run->count("--report") > 0;
        return sealkit::cli::run_program(run_options);
    }
    // Checked here rather than with CLI11's require_subcommand, which would
    // hide the name of an unknown command or option behind "A subcommand is
    // required".
    fmt::print(stderr, "sealkit: no command given; use 'sealkit check', 'sealkit status PID' or 'sealkit run -- PROGRAM' (see 'sealkit --help').\n");
    return sealkit::cli::exit_usage;
}
