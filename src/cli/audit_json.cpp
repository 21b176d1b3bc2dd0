// `sealkit audit --json`: the document whose schema docs/cli.md gives.
#include "audit/elf_facts.h"
#include "audit_output.h"

namespace sealkit::cli {
namespace {

using nlohmann::ordered_json;

ordered_json segments_json(const std::vector<audit::segment_range> &segments) {
    ordered_json list = ordered_json::array();
    for (const audit::segment_range &segment : segments) {
        ordered_json item;
        item["index"] = segment.index;
        item["type"] = segment.type == audit::kPtGnuMutable       ? "PT_GNU_MUTABLE"
                       : segment.type == audit::kPtOpenbsdMutable ? "PT_OPENBSD_MUTABLE"
                                                                  : "PT_LOAD";
        item["vaddr"] = segment.vaddr;
        item["memsz"] = segment.memsz;
        list.push_back(item);
    }
    return list;
}

}  // namespace

ordered_json audit_file_json(const audit::audited_file &file) {
    const audit::elf_facts &f = file.facts;
    ordered_json out;
    out["path"] = file.path;
    out["class"] = f.is_64_bit ? 64 : 32;
    out["byte_order"] = f.big_endian ? "big" : "little";
    out["machine"] = audit::machine_name(f.machine);
    out["e_machine"] = f.machine;
    out["type"] = audit::name_of(f.type);
    out["e_type"] = f.elf_type;
    out["interpreter"] = f.has_interpreter;
    out["dynamic"] = f.has_dynamic;
    out["static"] = f.is_static;
    out["static_pie"] = f.static_pie;
    out["relro"] = audit::name_of(f.relro);
    out["bind_now"] = f.bind_now;
    ordered_json how = ordered_json::array();
    if (f.dt_bind_now) how.push_back("DT_BIND_NOW");
    if (f.df_bind_now) how.push_back("DF_BIND_NOW");
    if (f.df_1_now) how.push_back("DF_1_NOW");
    out["bind_now_from"] = how;
    out["textrel"] = f.textrel;
    out["stack"] = audit::name_of(f.stack);
    out["executable_stack"] = f.stack == audit::stack_state::executable || f.stack == audit::stack_state::missing_executable;
    out["writable_executable_segments"] = segments_json(f.writable_executable);
    out["memory_seal_property"] = f.memory_seal;
    out["mutable_ranges"] = segments_json(f.mutable_ranges);
    out["verdict"] = audit::name_of(file.verdict.kind);
    ordered_json reasons = ordered_json::array();
    for (const audit::verdict_reason &reason : file.verdict.reasons)
        reasons.push_back({{"severity", audit::name_of(reason.severity)}, {"code", reason.code}, {"message", reason.message}});
    out["reasons"] = reasons;
    return out;
}

ordered_json audit_failure_json(const audit::audit_failure &failure) {
    ordered_json out;
    out["path"] = failure.path;
    out["error"] = audit::name_of(failure.kind);
    out["message"] = failure.message;
    return out;
}

ordered_json audit_counts_json(const audit::audit_counts &c) {
    ordered_json out;
    out["audited"] = c.audited;
    out["sealable"] = c.sealable;
    out["caveats"] = c.caveats;
    out["not_sealable"] = c.not_sealable;
    out["not_loadable"] = c.not_loadable;
    out["failed"] = c.failed;
    out["skipped_not_elf"] = c.skipped_not_elf;
    out["skipped_links"] = c.skipped_links;
    out["skipped_special"] = c.skipped_special;
    out["directories"] = c.directories;
    return out;
}

}  // namespace sealkit::cli
