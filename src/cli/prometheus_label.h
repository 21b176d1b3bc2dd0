// A Prometheus label value from untrusted text (a process's command name
// may hold any byte but NUL). The text exposition format wants UTF-8 with
// backslash, double quote and newline escaped; a single bad label makes
// node_exporter's textfile collector drop the whole file, so nothing the
// kernel can hand us may produce one.
//
//   prometheus_label_value("a\"b")  // a\"b
//   prometheus_label_value("\xff")  // U+FFFD
//
// Standard library only, so the fuzz target can compile it alone
// (fuzz/prometheus_label_fuzz.cpp).
#pragma once

#include <string>
#include <string_view>

namespace sealkit::cli {

// Backslash, double quote and newline written as \\, \" and \n; each byte
// that does not start a valid UTF-8 sequence (RFC 3629: no overlong forms,
// no surrogates, nothing past U+10FFFF) replaced by U+FFFD.
std::string prometheus_label_value(std::string_view text);

}  // namespace sealkit::cli
