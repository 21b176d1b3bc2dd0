// Whether the preload may call dlopen on a program's behalf without changing
// which file glibc finds.
//
// glibc's dlopen looks at its own return address to find the calling object
// and uses it for three things: the link-map namespace, "$ORIGIN" (and the
// other dynamic string tokens) in the file name, and, for a name without a
// '/', the directories searched: the caller's DT_RUNPATH, or the DT_RPATH of
// the caller and the objects that loaded it, and whether DF_1_NODEFLIB skips
// ld.so.cache and the default directories. When the preload calls the real
// dlopen, the preload is the caller. So the preload calls through only when
// glibc would search the same way either way; otherwise it jumps to the real
// dlopen with the program's own return address (a tail call) and seals what
// that loaded later (dlopen_catch_up.h).
//
// "The same way" is decided from glibc's own answer: dlinfo(RTLD_DI_SERINFO)
// lists the directories glibc searches for a loader (RPATHs up the loader
// chain, the executable's RPATH, LD_LIBRARY_PATH, RUNPATH, and the default
// directories unless DF_1_NODEFLIB), in order, leaving out directories it
// knows do not exist; the caller and the preload must have the same list
// (each directory counted where it first appears: a repeat finds nothing
// new) and both live in the base namespace.
//
//     if (strchr(file, '/') == nullptr && !searches_like_the_preload(caller)) tail_call();
#pragma once

namespace sealkit::preload {

// Whether glibc, dlopen'ing `file` for code at return address `caller`,
// would find the same file as when the preload asks for it.
bool searches_like_the_preload(const char *file, const void *caller);

}  // namespace sealkit::preload
