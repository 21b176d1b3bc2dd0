#include "preload/late_report.h"

#include "startup/report_file.h"

namespace sealkit::preload {
namespace {

// In .bss: untouched, and so free, until a pass is reported.
startup::late_object g_objects[kMaxLateObjects];
startup::late_objects g_late;

void add_to_totals(sealkit_report &totals, const sealkit_report &pass) {
    totals.images += pass.images;
    totals.images_sealed += pass.images_sealed;
    totals.images_failed += pass.images_failed;
    totals.bytes_sealed += pass.bytes_sealed;
    totals.seal_calls += pass.seal_calls;
}

}  // namespace

void report_late_pass(const startup::startup_options &options, startup::late_seal seal, const sealkit_report &pass) {
    if (options.report_path == nullptr || pass.images == 0) return;
    seal.pass = ++g_late.passes;
    add_to_totals(g_late.totals, pass);
    g_late.totals.nanoseconds += seal.nanoseconds;
    for (unsigned i = 0; i < pass.images; ++i) {
        if (g_late.count == kMaxLateObjects) {
            g_late.not_listed += pass.images - i;
            break;
        }
        g_objects[g_late.count++] = {pass.image[i], seal};
    }
    g_late.items = g_objects;
    startup::add_late_pass_to_report_file(options, seal, pass, g_late);
}

}  // namespace sealkit::preload
