/* constructor_order's shared library: the loader runs its constructor
 * before any of the executable's .init_array. */
#include "stage_report.h"

__attribute__((constructor)) static void library_constructor(void) {
    report_stage("library-constructor", (const void *)library_constructor);
}

void library_marker(void) {}
