// libsealkit-preload.so: seals every loaded ELF image of an unmodified
// program just before its main() runs.
//
// Loaded with LD_PRELOAD, it interposes __libc_start_main, the function
// _start hands main to, and gives glibc a main that first seals and then
// calls the real one. At that point the loader has mapped and relocated
// every startup object and applied RELRO, every library constructor and
// the program's own constructors have run, and main has not: the latest
// moment that still precedes all of the program's own logic, and the one
// that breaks the fewest constructors (see docs/startup-sealing.md).
//
// It links the core statically and depends on libc alone. It exports four
// symbols (libsealkit-preload.map) and adds no others to the program:
// __libc_start_main, defined here, and dlopen, dlmopen and dlclose, which
// seal objects opened after start-up (dlopen_interposer.cpp).
#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>

#include "preload/dlopen_policy.h"
#include "startup/startup_sealing.h"

namespace {

using main_function = int (*)(int, char **, char **);
using start_main_function = int (*)(main_function, int, char **, void (*)(), void (*)(), void (*)(), void *);

// In .data, not .bss: the loader has already written the page that holds
// .data, while the first write to a .bss page is a page fault (about 10 us
// on virtualised machines, on every program start).
main_function g_real_main __attribute__((section(".data"))) = nullptr;

int sealed_main(int argc, char **argv, char **envp) {
    sealkit::startup::seal_at_startup();
    sealkit::preload::start_late_sealing();  // objects dlopen'ed from now on: dlopen_interposer.cpp
    return g_real_main(argc, argv, envp);
}

}  // namespace

extern "C" __attribute__((visibility("default"))) int __libc_start_main(main_function main, int argc, char **argv,
                                                                         void (*init)(), void (*fini)(),
                                                                         void (*rtld_fini)(), void *stack_end) {
    auto real = reinterpret_cast<start_main_function>(dlsym(RTLD_NEXT, "__libc_start_main"));
    if (real == nullptr) {
        dprintf(2, "sealkit: cannot find glibc's __libc_start_main; running unsealed\n");
        return main(argc, argv, nullptr);
    }
    g_real_main = main;
    return real(sealed_main, argc, argv, init, fini, rtld_fini, stack_end);
}
