// Renders `sealkit audit` results: a detailed report or one table row per
// file for people, one JSON document (schema in docs/cli.md) for programs,
// and the one-line error for a file that could not be audited.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "audit/audit_scan.h"

namespace sealkit::cli {

// Every fact and the verdict with its reasons, one file.
std::string audit_details(const audit::audited_file &file);

// The table: its header line, and one row per file.
std::string audit_table_header();
std::string audit_table_row(const audit::audited_file &file);

// "N ELF files audited: ... ; N skipped ...; N failed."
std::string audit_summary(const audit::audit_counts &counts);

// The sentence printed on stderr (without the "sealkit audit: " prefix):
// "PATH: not an ELF file."
std::string audit_failure_sentence(const audit::audit_failure &failure);

// A path as it is safe to print on a terminal: control characters and
// backslashes become \xNN escapes, everything else is kept.
std::string printable_path(const std::string &path);

nlohmann::ordered_json audit_file_json(const audit::audited_file &file);
nlohmann::ordered_json audit_failure_json(const audit::audit_failure &failure);
nlohmann::ordered_json audit_counts_json(const audit::audit_counts &counts);

}  // namespace sealkit::cli
