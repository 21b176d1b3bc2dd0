#include "procfs/seal_query.h"

#include <errno.h>

#include "procfs/mappings_reader.h"

namespace sealkit::procfs {
namespace {

struct seal_state_walk {
    uintptr_t start;
    uintptr_t end;
    uintptr_t covered_to;  // every byte below this is mapped and examined
    bool hole = false;
    bool unsealed = false;
    bool missing_vmflags = false;
};

bool examine_for_seal(const mapping &m, void *context) {
    auto &walk = *static_cast<seal_state_walk *>(context);
    if (m.end <= walk.covered_to) return true;
    if (m.start >= walk.end) return false;  // past the range: stop reading
    if (m.start > walk.covered_to) walk.hole = true;
    if (!m.has_vmflags) walk.missing_vmflags = true;
    else if (!m.sealed) walk.unsealed = true;
    walk.covered_to = m.end;
    return walk.covered_to < walk.end;
}

struct run_walk {
    uintptr_t start;
    uintptr_t end;
    uintptr_t run_start = 0;
    uintptr_t run_end = 0;
    run_visitor visit;
    void *context;
    long stopped_with = 0;

    bool flush() {
        if (run_end > run_start) stopped_with = visit(run_start, run_end - run_start, context);
        run_start = run_end = 0;
        return stopped_with == 0;
    }
};

bool collect_runs(const mapping &m, void *context) {
    auto &walk = *static_cast<run_walk *>(context);
    if (m.end <= walk.start) return true;
    if (m.start >= walk.end) return false;
    uintptr_t from = m.start < walk.start ? walk.start : m.start;
    uintptr_t to = m.end > walk.end ? walk.end : m.end;
    if (walk.run_end != from && !walk.flush()) return false;
    if (walk.run_end == 0) walk.run_start = from;
    walk.run_end = to;
    return true;
}

}  // namespace

long kernel_seal_state(uintptr_t start, size_t length) {
    seal_state_walk walk{start, start + length, start};
    read_result result = read_mappings(0, mappings_file::smaps, examine_for_seal, &walk);
    if (result.error != 0 && result.mappings == 0) return -ENOTSUP;
    if (walk.hole || walk.covered_to < walk.end) return -ENOMEM;
    if (walk.missing_vmflags) return -ENOTSUP;
    return walk.unsealed ? 0 : 1;
}

long for_each_mapped_run(uintptr_t start, size_t length, run_visitor visit, void *context) {
    run_walk walk{start, start + length, 0, 0, visit, context};
    read_result result = read_mappings(0, mappings_file::maps, collect_runs, &walk);
    if (result.error != 0) return result.error;
    if (walk.stopped_with == 0) walk.flush();
    return walk.stopped_with;
}

}  // namespace sealkit::procfs
