/* constructor_order's static library, linked after -lsealkit-autoseal: its
 * .init_array entry comes after autoseal's, so it runs with the program
 * already sealed. */
#include "stage_report.h"

__attribute__((constructor)) static void late_constructor(void) {
    report_stage("late-constructor", (const void *)late_constructor);
}

void late_marker(void) {}
