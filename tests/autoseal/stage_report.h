/*
 * stage_report.h: one line saying whether the code at `code` was sealed
 * when `stage` ran, for the constructor-order program: "STAGE sealed" or
 * "STAGE unsealed". Written with dprintf so lines appear in the order the
 * stages ran, whatever stdio buffers.
 */
#ifndef SEALKIT_TESTS_STAGE_REPORT_H
#define SEALKIT_TESTS_STAGE_REPORT_H

#include <sealkit/sealkit.h>
#include <stdio.h>

static inline void report_stage(const char *stage, const void *code) {
    const void *page = (const void *)((unsigned long)code & ~4095UL);
    int sealed = sealkit_is_sealed(page, 4096);
    dprintf(1, "%s %s\n", stage, sealed == 1 ? "sealed" : sealed == 0 ? "unsealed" : "error");
}

#endif
