// The report's late passes: each time the dlopen policy (dlopen_policy.h)
// seals objects after start-up, they go to the start-up report's
// destination (SEALKIT_REPORT), with what brought them: the dlopen of an
// object, or the catch-up of a dlopen the preload could not watch
// (dlopen_catch_up.h). How each format grows: startup/report_file.h.
//
// A JSON report file is one document rewritten whole after each pass, so
// the late objects so far are kept here, in fixed storage: one mapping of
// kMaxLateObjects entries made at the first pass reported (no malloc, and
// nothing at start-up); later objects are counted as not listed.
//
//     late_seal seal{map->l_name, caught_up, 0, nanoseconds};
//     report_late_pass(options, seal, pass);  // pass.image: the pass's objects
#pragma once

#include <stddef.h>

#include "sealkit/sealkit.h"
#include "startup/report_writer.h"
#include "startup/startup_options.h"

namespace sealkit::preload {

inline constexpr size_t kMaxLateObjects = 512;

// Numbers the pass (seal.pass is set here), keeps its objects and adds it
// to the report. Callers serialise the passes (dlopen_policy's seal lock);
// nothing happens when options ask for no report.
void report_late_pass(const startup::startup_options &options, startup::late_seal seal, const sealkit_report &pass);

}  // namespace sealkit::preload
