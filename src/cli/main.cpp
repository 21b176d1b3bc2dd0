#include <CLI/CLI.hpp>

#include "sealkit/sealkit.h"

int main(int argc, char **argv) {
    CLI::App app{"sealkit: memory sealing for Linux"};
    app.set_version_flag("--version", std::string("sealkit ") + sealkit_version());
    CLI11_PARSE(app, argc, argv);
    return 0;
}
