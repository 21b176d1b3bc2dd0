// Late sealing: what the preload seals of the objects a program dlopen's
// after start-up, by SEALKIT_DLOPEN (`sealkit run --dlopen=`):
//
//   nodelete (default)  the opened object and the closure of its DT_NEEDED
//                       entries, only when it can never be unloaded: opened
//                       with RTLD_NODELETE, or flagged DF_1_NODELETE, the two
//                       ways glibc makes an object permanent. Anything else
//                       stays unsealed, so dlclose can still unmap it.
//   pin                 every opened object is first made permanent, as
//                       glibc's dlopen(its name, RTLD_NOLOAD|RTLD_NODELETE)
//                       does, and then sealed with its closure; dlclose of it
//                       then does nothing (the dependencies of an object that
//                       is never unloaded are never unloaded either).
//   off                 nothing after start-up.
//
// Each object is sealed by the start-up engine (image_sealer.h: one seal
// call per contiguous run, RELRO moved to anonymous memory unless
// SEALKIT_RELRO=file, PT_GNU_MUTABLE ranges left out; one more filter per
// pass under the seccomp backend). A fixed-size record of the objects
// already sealed (start-up's and earlier passes') makes a pass skip them;
// it needs no allocation. dlopen runs in many threads at once: a pass never
// calls into the loader while it holds the record's lock (a constructor
// running under the loader's lock may itself dlopen), and it touches only
// permanent objects, which no concurrent dlclose can unmap.
//
// A failure warns once per process on stderr (SEALKIT_QUIET=1 silences it),
// or under SEALKIT_ENFORCE=1 stops the program with exit status 125 and one
// line naming the object and errno. Each pass that seals something is added
// to the report (SEALKIT_REPORT) first, even one that then stops the program
// (late_report.h).
//
//     void *handle = real.open(file, mode);
//     if (handle != nullptr) seal_after_dlopen(handle, mode);
#pragma once

#include "startup/startup_options.h"

namespace sealkit::preload {

// glibc's own dlopen and dlclose, found with dlsym(RTLD_NEXT): the preload
// exports its own, which must not be called back into.
struct loader_calls {
    void *(*open)(const char *file, int mode) = nullptr;
    int (*close)(void *handle) = nullptr;
    void *(*open_in_namespace)(long namespace_id, const char *file, int mode) = nullptr;
};
const loader_calls &real_loader();

// Start-up sealing is done (the preload's main calls it): from now on each
// dlopen is post-processed; the ones made before (by constructors) are
// caught up now.
void start_late_sealing();
bool late_sealing_started();

// The policy in force once started: SEALKIT_DLOPEN, or off when start-up
// sealing refused to run (an option it does not understand, no backend).
startup::dlopen_policy late_policy();

// After a successful dlopen(..., mode) that returned handle: applies the
// policy to it. Leaves dlerror() as a successful dlopen leaves it.
// caught_up: the dlopen went straight to glibc and is caught up now
// (dlopen_catch_up.h), as the report says.
void seal_after_dlopen(void *handle, int mode, bool caught_up = false);

}  // namespace sealkit::preload
