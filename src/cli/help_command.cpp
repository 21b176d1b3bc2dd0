#include "help_command.h"

#include <stdio.h>
#include <string.h>

#include <string>

#include <fmt/format.h>

#include "exit_status.h"

namespace sealkit::cli {

CLI::App *add_help_command(CLI::App &app) {
    CLI::App *help = app.add_subcommand("help", "Show the help of a command: sealkit help COMMAND.");
    help->add_option("COMMAND", "The command to explain; none: sealkit's own help");
    return help;
}

bool is_help_command(int argc, char **argv) { return argc >= 2 && strcmp(argv[1], "help") == 0; }

int run_help(CLI::App &app, int argc, char **argv) {
    if (argc == 2) {
        fmt::print("{}", app.help());
        return exit_ok;
    }
    if (argc > 3) {
        fmt::print(stderr, "sealkit help: one command at a time, not '{}' (see 'sealkit help help').\n", argv[3]);
        return exit_usage;
    }
    // `sealkit help --help` explains help itself, as every command's --help does.
    const std::string topic = strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0 ? "help" : argv[2];
    std::string names;
    for (CLI::App *command : app.get_subcommands([](CLI::App *) { return true; })) {
        if (command->get_name() == topic) {
            fmt::print("{}", command->help(app.get_name()));
            return exit_ok;
        }
        if (command->get_name() != "help") names += (names.empty() ? "" : ", ") + command->get_name();
    }
    fmt::print(stderr, "sealkit help: '{}' is not a sealkit command; the commands are {} (see 'sealkit --help').\n",
               topic, names);
    return exit_usage;
}

}  // namespace sealkit::cli
