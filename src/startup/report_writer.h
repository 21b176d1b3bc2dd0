// Renders a sealkit_report as text for people or JSON for machines,
// straight to a file descriptor with a fixed buffer (no allocation: the
// preload writes reports from inside arbitrary programs).
#pragma once

#include "sealkit/sealkit.h"

namespace sealkit::startup {

// 0 or -errno of the write.
long write_report(int fd, const sealkit_report &report, bool json);

// "the vDSO (use --vdso)" etc.
const char *describe_skip(int reason);

}  // namespace sealkit::startup
