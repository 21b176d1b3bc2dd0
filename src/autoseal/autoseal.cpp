// libsealkit-autoseal.a: startup sealing linked into the program itself,
// for programs where LD_PRELOAD is ignored (setuid and setgid programs) or
// unwanted. It does what libsealkit-preload.so does, with the same
// SEALKIT_* options, from a constructor instead of an interposed
// __libc_start_main:
//
//     cc -o tool tool.c -Wl,-u,sealkit_autoseal -lsealkit-autoseal
//     # or: pkg-config --libs sealkit-autoseal, or CMake's sealkit::autoseal
//
// When it runs. The dynamic loader runs every library's constructors before
// the executable's; then glibc runs the executable's .init_array in order:
// entries with a priority first (constructor(101) ... (65534)), then the
// plain ones, priority 65535, in link order. This constructor has priority
// 65535, the last there is, and -lsealkit-autoseal normally comes last on
// the link line, so it runs after every library constructor and after the
// program's own constructors and C++ static initialisers, except those of
// objects linked after the archive (docs/startup-sealing.md, "Link-in mode";
// tests/unit/autoseal_test.cpp checks each case).
//
// The archive is one object in which every symbol but sealkit_autoseal is
// local (see cmake/sealkit_autoseal.cmake): the core linked in here cannot
// clash with, or silently replace, libsealkit.so's sealkit_* functions in a
// program that uses both.
#include "startup/startup_sealing.h"

// The anchor: `-Wl,-u,sealkit_autoseal` makes the linker take this object
// out of the archive although nothing calls it (a static archive member
// nobody references is not linked, and its constructor would never run).
// Calling it again later does nothing: startup sealing runs once.
extern "C" __attribute__((visibility("default"), constructor(65535))) void sealkit_autoseal() {
    sealkit::startup::seal_at_startup();
}
