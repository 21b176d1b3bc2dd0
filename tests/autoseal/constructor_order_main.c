/*
 * constructor_order: which of a program's start-up code runs before
 * libsealkit-autoseal.a seals and which after. Each stage prints whether
 * its own code is sealed yet (stage_report.h), in the order they run:
 *   preinit_array         the executable's .preinit_array
 *   library-constructor   a constructor of a DT_NEEDED library
 *   constructor-101       the executable's constructor(101)
 *   constructor           the executable's plain constructor (priority 65535)
 *   cpp-static-init       a C++ static initialiser (constructor_order_cpp.cpp)
 *   late-constructor      a constructor in a static library linked after
 *                         -lsealkit-autoseal (constructor_order_late.c)
 *   main
 * tests/unit/autoseal_test.cpp holds docs/startup-sealing.md to the answers.
 */
#include "stage_report.h"

void library_marker(void);
void late_marker(void);

static void preinit(int argc, char **argv, char **envp) {
    (void)argc, (void)argv, (void)envp;
    report_stage("preinit_array", (const void *)preinit);
}
__attribute__((section(".preinit_array"), used)) static void (*preinit_entry)(int, char **, char **) = preinit;

__attribute__((constructor(101))) static void early_constructor(void) {
    report_stage("constructor-101", (const void *)early_constructor);
}

__attribute__((constructor)) static void plain_constructor(void) {
    report_stage("constructor", (const void *)plain_constructor);
}

int main(void) {
    library_marker();
    late_marker();
    report_stage("main", (const void *)main);
    return 0;
}
