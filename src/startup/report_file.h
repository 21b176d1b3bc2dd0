// Where SEALKIT_REPORT goes, from start-up to exit: the file it names
// ("%p" becomes the pid, so a process tree writes one report each), never
// reached through a symbolic link, or stderr for "-".
//
// Start-up sealing writes the report once, before main. The preload's late
// passes (objects sealed after start-up, src/preload/late_report.h) then add
// to the same destination:
//   text          one block per pass, appended (O_APPEND);
//   JSON file     the whole document again (start-up objects and the late
//                 ones so far), written to a temporary file in the same
//                 directory and renamed over the report, so that a reader
//                 always finds one complete, valid document;
//   JSON on "-"   one document per pass, on a line of its own.
// A destination start-up could not write to gets no late passes either.
//
//     write_startup_report_file(options, report);        // before main
//     add_late_pass_to_report_file(options, seal, pass, late);
#pragma once

#include "sealkit/sealkit.h"
#include "startup/report_writer.h"
#include "startup/startup_options.h"

namespace sealkit::startup {

// Writes report where options.report_path says (nothing when it is null)
// and keeps it for the late passes; a file that cannot be written gets one
// line on stderr.
void write_startup_report_file(const startup_options &options, const sealkit_report &report);

// Adds one late pass (pass.image: its objects) to the report; late holds
// every late object so far, for a JSON file. Callers serialise the passes.
void add_late_pass_to_report_file(const startup_options &options, const late_seal &seal, const sealkit_report &pass,
                                  const late_objects &late);

}  // namespace sealkit::startup
