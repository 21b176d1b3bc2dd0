// Reads a boolean SEALKIT_* switch from the environment, the same way for
// every switch of the core, the preload and the link-in library, so that
// `SEALKIT_DENY_IO_URING=yes` means what `SEALKIT_ENFORCE=yes` means.
//
//   on:    1, yes, true, on
//   off:   0, no, false, off
//   unset: not set, or set to ""
//   anything else is unknown, and the caller fails closed: it takes the
//   value that keeps protection (DENY_IO_URING denies, EXEC_GUARD and
//   EMULATE_MSEAL stay on, ENFORCE enforces) and says so when it can.
//
// Read with secure_getenv: in a setuid or setgid program every switch reads
// unset, so the caller cannot turn the hardening off there.
//
//   if (sys::read_switch("SEALKIT_EXEC_GUARD") == sys::switch_value::off) ...
//   bool denied = sys::switch_is_on("SEALKIT_DENY_IO_URING", false, true);
#pragma once

namespace sealkit::sys {

enum class switch_value { unset, on, off, unknown };

// The accepted words, for messages: "1, yes, true, on, 0, no, false, off".
inline constexpr const char *kSwitchWords = "1, yes, true, on, 0, no, false, off";

// What text (null: unset) says.
switch_value parse_switch(const char *text);

// What the variable name says.
switch_value read_switch(const char *name);

// The switch as a bool: when_unset if unset, when_unknown if the value is
// not understood.
bool switch_is_on(const char *name, bool when_unset, bool when_unknown);

}  // namespace sealkit::sys
