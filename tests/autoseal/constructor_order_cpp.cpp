// constructor_order's C++ static initialiser: a global whose constructor
// runs from the executable's .init_array like a plain C constructor.
#include "stage_report.h"

namespace {

struct static_initializer {
    static_initializer() { report_stage("cpp-static-init", reinterpret_cast<const void *>(&here)); }
    static void here() {}
};

static_initializer initializer;

}  // namespace
