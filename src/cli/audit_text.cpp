// The text forms of `sealkit audit`: the detailed report, the table and its
// summary, and the error sentence.
#include <string>

#include <fmt/format.h>

#include "audit/elf_facts.h"
#include "audit_output.h"

namespace sealkit::cli {
namespace {

using audit::elf_facts;
using audit::file_type;
using audit::stack_state;

const char *yes_no(bool value) { return value ? "yes" : "no"; }

std::string type_phrase(const elf_facts &facts) {
    switch (facts.type) {
    case file_type::executable: return "executable (ET_EXEC, fixed address)";
    case file_type::pie: return "position-independent executable (PIE)";
    case file_type::shared_object: return "shared object";
    case file_type::relocatable: return "relocatable object (ET_REL)";
    case file_type::core: return "core dump";
    case file_type::other: return fmt::format("ELF type {}", facts.elf_type);
    }
    return "";
}

std::string linking_phrase(const elf_facts &facts) {
    if (facts.is_static) return facts.static_pie ? "statically linked (static-pie)" : "statically linked";
    if (facts.has_interpreter) return fmt::format("dynamically linked, {} DT_NEEDED", facts.needed);
    if (facts.has_dynamic) return fmt::format("dynamic section, {} DT_NEEDED", facts.needed);
    return "no dynamic section";
}

std::string relro_phrase(const elf_facts &facts) {
    switch (facts.relro) {
    case audit::relro_level::none: return "none (no PT_GNU_RELRO)";
    case audit::relro_level::partial: return "partial (PT_GNU_RELRO without BIND_NOW)";
    case audit::relro_level::full:
        return facts.bind_now ? "full (PT_GNU_RELRO and BIND_NOW)" : "full (PT_GNU_RELRO; static, nothing is bound lazily)";
    }
    return "";
}

std::string bind_now_phrase(const elf_facts &facts) {
    if (!facts.has_dynamic) return "not applicable (no dynamic section)";
    if (!facts.bind_now) return "no";
    std::string how;
    for (auto [present, name] : {std::pair{facts.dt_bind_now, "DT_BIND_NOW"}, std::pair{facts.df_bind_now, "DF_BIND_NOW"},
                                 std::pair{facts.df_1_now, "DF_1_NOW"}}) {
        if (!present) continue;
        if (!how.empty()) how += ", ";
        how += name;
    }
    return "yes (" + how + ")";
}

std::string stack_phrase(stack_state state) {
    switch (state) {
    case stack_state::not_executable: return "not executable (PT_GNU_STACK without PF_X)";
    case stack_state::executable: return "executable (PT_GNU_STACK with PF_X)";
    case stack_state::missing_executable: return "executable (no PT_GNU_STACK: the x86 default)";
    case stack_state::missing_not_executable: return "not executable (no PT_GNU_STACK; this architecture's default)";
    case stack_state::not_applicable: return "not applicable";
    }
    return "";
}

std::string ranges(const std::vector<audit::segment_range> &segments) {
    if (segments.empty()) return "none";
    std::string list;
    for (const audit::segment_range &segment : segments) {
        if (!list.empty()) list += ", ";
        const char *type = segment.type == audit::kPtGnuMutable       ? "PT_GNU_MUTABLE "
                           : segment.type == audit::kPtOpenbsdMutable ? "PT_OPENBSD_MUTABLE "
                                                                      : "";
        list += fmt::format("{}#{} 0x{:x}-0x{:x}", type, segment.index, segment.vaddr, segment.vaddr + segment.memsz);
    }
    return list;
}

bool executable_stack(stack_state state) {
    return state == stack_state::executable || state == stack_state::missing_executable;
}

}  // namespace

std::string printable_path(const std::string &path) {
    std::string out;
    out.reserve(path.size());
    for (unsigned char c : path) {
        if (c < 0x20 || c == 0x7f || c == '\\') out += fmt::format("\\x{:02x}", c);
        else out += static_cast<char>(c);
    }
    return out;
}

std::string audit_details(const audit::audited_file &file) {
    const elf_facts &f = file.facts;
    std::string out = printable_path(file.path) + "\n";
    auto line = [&out](const char *label, const std::string &value) { out += fmt::format("  {:<10} {}\n", label, value); };
    line("class", fmt::format("ELF{}, {}-endian, {}", f.is_64_bit ? 64 : 32, f.big_endian ? "big" : "little",
                              audit::machine_name(f.machine)));
    line("type", type_phrase(f) + ", " + linking_phrase(f));
    line("RELRO", relro_phrase(f));
    line("BIND_NOW", bind_now_phrase(f));
    line("TEXTREL", yes_no(f.textrel));
    line("stack", stack_phrase(f.stack));
    line("W+X", ranges(f.writable_executable));
    line("seal mark", f.memory_seal ? "yes (GNU_PROPERTY_MEMORY_SEAL)" : "no (no GNU_PROPERTY_MEMORY_SEAL)");
    line("mutable", ranges(f.mutable_ranges));
    out += fmt::format("  verdict    {}\n", audit::describe(file.verdict.kind));
    for (const audit::verdict_reason &reason : file.verdict.reasons)
        out += fmt::format("    {}: {}\n", audit::name_of(reason.severity), reason.message);
    return out;
}

std::string audit_table_header() {
    return fmt::format("{:<13} {:<14} {:<8} {:<4} {:<8} {:<6} {:<4} {:<7} {:<5} {}\n", "VERDICT", "TYPE", "RELRO",
                       "NOW", "TEXTREL", "XSTACK", "W+X", "STATIC", "MARK", "FILE");
}

std::string audit_table_row(const audit::audited_file &file) {
    const elf_facts &f = file.facts;
    const bool loadable = file.verdict.kind != audit::verdict_kind::not_loadable;
    auto flag = [loadable](bool value) { return loadable ? yes_no(value) : "-"; };
    return fmt::format("{:<13} {:<14} {:<8} {:<4} {:<8} {:<6} {:<4} {:<7} {:<5} {}\n",
                       audit::name_of(file.verdict.kind), audit::name_of(f.type),
                       loadable ? audit::name_of(f.relro) : "-", flag(f.bind_now), flag(f.textrel),
                       flag(executable_stack(f.stack)), flag(!f.writable_executable.empty()), flag(f.is_static),
                       flag(f.memory_seal), printable_path(file.path));
}

std::string audit_summary(const audit::audit_counts &c) {
    std::string out = fmt::format("{} ELF file{} audited: {} fully sealable, {} with caveats, {} not sealable, {} not loadable",
                                  c.audited, c.audited == 1 ? "" : "s", c.sealable, c.caveats, c.not_sealable,
                                  c.not_loadable);
    std::string skipped;
    auto skip = [&skipped](size_t count, const char *what) {
        if (count == 0) return;
        skipped += fmt::format("{}{} {}", skipped.empty() ? "" : ", ", count, what);
    };
    skip(c.skipped_not_elf, "not ELF");
    skip(c.skipped_links, "symbolic links");
    skip(c.skipped_special, "not regular files");
    if (!skipped.empty()) out += "; skipped: " + skipped;
    out += fmt::format("; {} failed.\n", c.failed);
    return out;
}

std::string audit_failure_sentence(const audit::audit_failure &failure) {
    return printable_path(failure.path) + ": " + failure.message + ".";
}

}  // namespace sealkit::cli
