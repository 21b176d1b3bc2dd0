// What the preload and the link-in library do before main: read the
// options, seal every loaded image, write the report, and warn or stop.
#pragma once

namespace sealkit::startup {

// Runs startup sealing once per process (later calls do nothing). On an
// enforced failure it does not return: the process exits with
// kEnforceExitStatus after one line on stderr naming the object and errno.
void seal_at_startup();

}  // namespace sealkit::startup
