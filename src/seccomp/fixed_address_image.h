// The span of this process's executable when it sits at a fixed address:
// a non-PIE executable (ET_EXEC), which every exec of it, or of any other
// non-PIE program, maps at its link-time address (0x400000 for most
// x86_64 programs).
//
// Why the seccomp backend needs it: a seal filter without the exec guard
// (exec_guard.h) outlives exec, and a program exec'd later meets the
// earlier image's ranges. Randomised addresses (PIE executables,
// libraries, ASLR) make a meeting unlikely; a fixed address makes it
// certain when both programs are non-PIE, and the exec'd program's loader
// then fails to make its own RELRO read-only there. Such filters refuse
// only the mprotect calls that add access inside this span
// (seal_filter_policy::reprotect_only_adding_access).
//
//   address_range span = fixed_address_image();
//   if (span.end != 0) ... [span.start, span.end) is the executable's
#pragma once

#include "seccomp/seal_filter_compiler.h"

namespace sealkit::seccomp {

// From the first PT_LOAD's page to the end of the last one (its .bss
// included), page aligned; {0, 0} for a position-independent executable.
// Takes no lock and allocates nothing (it reads the auxiliary vector and
// the program headers), so it may run under the enforcer's lock and in a
// signal handler.
address_range fixed_address_image();

}  // namespace sealkit::seccomp
