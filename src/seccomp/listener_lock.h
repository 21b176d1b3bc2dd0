// A filter that refuses to install any further seccomp filter with a
// user-notification listener (SECCOMP_FILTER_FLAG_NEW_LISTENER: EBUSY, the
// kernel's own answer while a listener exists), unless the call carries a
// 128-bit token in its fourth and fifth argument registers, which the
// kernel ignores: the exec guard's own move to a newer filter
// (exec_guard.h). Whoever would use the token must first read it from the
// sealing image's memory.
//
// Why: the exec guard (exec_guard.h) answers the first seal filter's
// notifications. Should it die, sealed calls fail with ENOSYS, but the
// kernel would then accept a new listener, and on a tie between two
// filters that both ask for user notification the newest filter's listener
// answers: whoever installed it could let a sealed call through. With this
// filter nobody can. Installed right after the guarded filter; exec'd
// programs inherit it (they could not get a listener while the guard lives
// anyway).
//
//   bpf_program program(storage);
//   if (build_listener_lock(program, token)) install(program);
#pragma once

#include "seccomp/bpf_program.h"

namespace sealkit::seccomp {

// Appends the filter to program (which must be empty) and finishes it.
bool build_listener_lock(bpf_program &program, const uint64_t (&token)[2]);

}  // namespace sealkit::seccomp
