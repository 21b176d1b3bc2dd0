// Startup sealing's engine: decides, for each loaded object, what to seal
// and seals it through the active backend, filling a report.
#pragma once

#include "sealkit/sealkit.h"

namespace sealkit::startup {

// Implements sealkit_seal_images (see sealkit.h). Returns 0 or -errno of
// the first failure. The report's image array lives until the next call.
long seal_loaded_images(unsigned flags, sealkit_report &report);

}  // namespace sealkit::startup
