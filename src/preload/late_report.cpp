#include "preload/late_report.h"

#include <sys/mman.h>

#include "startup/report_file.h"
#include "system/syscalls.h"

namespace sealkit::preload {
namespace {

// Mapped at the first pass reported, not in .bss: a larger .bss costs
// every program page faults at start-up (measured: about 10 more for
// /bin/true with this storage in .bss), report or not.
startup::late_object *g_objects = nullptr;
bool g_storage_tried = false;
startup::late_objects g_late;

size_t storage_capacity() {
    if (!g_storage_tried) {
        g_storage_tried = true;
        uintptr_t mapped = sys::map_anonymous(kMaxLateObjects * sizeof(startup::late_object), PROT_READ | PROT_WRITE);
        if (!sys::is_error(mapped)) g_objects = reinterpret_cast<startup::late_object *>(mapped);
    }
    return g_objects != nullptr ? kMaxLateObjects : 0;  // none: every late object is counted, not listed
}

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
    const size_t capacity = storage_capacity();
    for (unsigned i = 0; i < pass.images; ++i) {
        if (g_late.count == capacity) {
            g_late.not_listed += pass.images - i;
            break;
        }
        g_objects[g_late.count++] = {pass.image[i], seal};
    }
    g_late.items = g_objects;
    startup::add_late_pass_to_report_file(options, seal, pass, g_late);
}

}  // namespace sealkit::preload
