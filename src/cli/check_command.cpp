#include "check_command.h"

#include <string>

#include <fmt/format.h>

#include "check_output.h"
#include "exit_status.h"
#include "inspect/system_facts.h"

namespace sealkit::cli {

CLI::App *add_check_command(CLI::App &app, check_options &options) {
    CLI::App *check =
        app.add_subcommand("check", "Report whether memory can be sealed here, and by which backend.");
    check->add_flag("--json", options.json, "Print one JSON object instead of text");
    check->footer(std::string(
                      "Reports the kernel version, mseal(2), whether this is a 64-bit process, the glibc\n"
                      "version and its mseal() wrapper, whether the kernel seals its own system mappings,\n"
                      "PR_SET_MDWE, seccomp filters, and the backend SEALKIT_BACKEND=auto would choose and\n"
                      "the one active now.\n\n") +
                  kExitStatusFooter + "\n" + kSeeManual);
    return check;
}

int run_check(const check_options &options) {
    inspect::system_facts facts = inspect::gather_system_facts();
    if (options.json) fmt::print("{}\n", check_json(facts).dump(2));
    else fmt::print("{}", check_text(facts));
    return facts.can_enforce ? exit_ok : exit_cannot_enforce;
}

}  // namespace sealkit::cli
