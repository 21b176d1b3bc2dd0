// The dlopen calls the preload could not watch, sealed afterwards.
//
// When calling glibc's dlopen from the preload would change which file it
// finds (dlopen_search.h), or before start-up sealing has run (a
// constructor's dlopen), the preload jumps to the real dlopen with the
// program's return address and never sees the result. It remembers the
// file name and mode instead, and at the next dlopen or dlclose through the
// preload (or when start-up sealing finishes) finds what the name loaded
// with dlopen(name, RTLD_NOLOAD), which matches a name against the loaded
// objects without searching (the name an object was loaded by is one of
// its names), and applies the policy to it (dlopen_policy.h).
//
// Limits: until that next call the object is unsealed; up to 16 calls are
// remembered (more are not sealed) and names up to 511 bytes; a name that
// two callers resolved to different files ("libx.so" through two RUNPATHs,
// "$ORIGIN/libx.so" from two directories) matches the first one loaded.
//
//     remember_unwatched_dlopen(file, mode);  // then jump to the real dlopen
//     ...
//     catch_up_unwatched_dlopens();           // at the next dlopen or dlclose
#pragma once

namespace sealkit::preload {

void remember_unwatched_dlopen(const char *file, int mode);
bool has_unwatched_dlopens();
void catch_up_unwatched_dlopens();

// For a child process just forked: the list's lock may have been held by
// another thread of the parent.
void release_unwatched_lock_in_child();

}  // namespace sealkit::preload
