#include "audit/seal_verdict.h"

#include <algorithm>

#include <fmt/format.h>

namespace sealkit::audit {
namespace {

std::string segment_list(const std::vector<segment_range> &segments) {
    std::string list;
    for (const segment_range &segment : segments) {
        if (!list.empty()) list += ", ";
        list += fmt::format("#{} at 0x{:x} ({} bytes)", segment.index, segment.vaddr, segment.memsz);
    }
    return list;
}

void add(seal_verdict &verdict, reason_severity severity, const char *code, std::string message) {
    verdict.reasons.push_back({severity, code, std::move(message)});
}

}  // namespace

seal_verdict judge(const elf_facts &facts) {
    seal_verdict verdict;
    const bool loadable = facts.type == file_type::executable || facts.type == file_type::pie ||
                          facts.type == file_type::shared_object;
    if (!loadable || facts.load_segments == 0) {
        verdict.kind = verdict_kind::not_loadable;
        std::string what = facts.type == file_type::relocatable ? "an object file (ET_REL), linked into programs or loaded as a kernel module"
                           : facts.type == file_type::core      ? "a core dump"
                           : !loadable                          ? fmt::format("an ELF file of type {}", facts.elf_type)
                                                                : std::string("a file without PT_LOAD segments");
        add(verdict, reason_severity::blocker, "not-loadable",
            fmt::format("{}: no loader maps it as it is, so there is nothing to seal at start-up.", what));
        return verdict;
    }

    if (facts.textrel)
        add(verdict, reason_severity::blocker, "text-relocations",
            "It has text relocations (TEXTREL): the loader makes its code writable to patch it at load time, so "
            "the code is not what was linked and W^X is broken before any seal; rebuild it with -fPIC.");
    if (!facts.writable_executable.empty())
        add(verdict, reason_severity::blocker, "writable-executable",
            fmt::format("Segment {} is both writable and executable: sealing would keep that W+X memory in place "
                        "for the life of the process.",
                        segment_list(facts.writable_executable)));

    if (facts.relro == relro_level::none)
        add(verdict, reason_severity::caveat, "no-relro",
            "It has no RELRO (PT_GNU_RELRO): the GOT and other relocated data stay writable, so sealing cannot "
            "protect them; link with -z relro -z now.");
    else if (facts.relro == relro_level::partial)
        add(verdict, reason_severity::caveat, "partial-relro",
            "RELRO is partial (no BIND_NOW): symbols are bound lazily, so the GOT's PLT slots stay writable and "
            "sealing them is pointless; link with -z now.");
    if (facts.stack == stack_state::executable)
        add(verdict, reason_severity::caveat, "executable-stack",
            "It asks for an executable stack (PT_GNU_STACK with PF_X): stacks are never sealed, and injected code "
            "could run from them; link with -z noexecstack.");
    else if (facts.stack == stack_state::missing_executable)
        add(verdict, reason_severity::caveat, "executable-stack",
            "It has no PT_GNU_STACK header, so on x86 its stack is executable: stacks are never sealed, and "
            "injected code could run from them; link with -z noexecstack.");
    if (facts.is_static)
        add(verdict, reason_severity::caveat, "static",
            fmt::format("It is statically linked{}: no ld.so runs it and LD_PRELOAD cannot reach it, so `sealkit "
                        "run` cannot seal it; only the program itself can.",
                        facts.static_pie ? " (static-pie)" : ""));

    if (!facts.mutable_ranges.empty())
        add(verdict, reason_severity::note, "mutable-ranges",
            fmt::format("{} range{} marked mutable (PT_GNU_MUTABLE or PT_OPENBSD_MUTABLE) stay unsealed: {}.",
                        facts.mutable_ranges.size(), facts.mutable_ranges.size() == 1 ? " is" : "s are",
                        segment_list(facts.mutable_ranges)));
    if (!facts.memory_seal)
        add(verdict, reason_severity::note, "no-memory-seal-mark",
            "It does not carry GNU_PROPERTY_MEMORY_SEAL: glibc's opt-in design and `sealkit run --only-marked` "
            "leave it unsealed; plain `sealkit run` seals it.");
    if (facts.malformed_notes)
        add(verdict, reason_severity::note, "malformed-notes",
            "A note segment is malformed; reading its notes stopped there.");

    const auto has = [&](reason_severity severity) {
        return std::any_of(verdict.reasons.begin(), verdict.reasons.end(),
                           [&](const verdict_reason &reason) { return reason.severity == severity; });
    };
    if (has(reason_severity::blocker)) verdict.kind = verdict_kind::not_sealable;
    else if (has(reason_severity::caveat)) verdict.kind = verdict_kind::caveats;
    return verdict;
}

const char *name_of(verdict_kind kind) {
    switch (kind) {
    case verdict_kind::sealable: return "sealable";
    case verdict_kind::caveats: return "caveats";
    case verdict_kind::not_sealable: return "not-sealable";
    case verdict_kind::not_loadable: return "not-loadable";
    }
    return "not-loadable";
}

const char *describe(verdict_kind kind) {
    switch (kind) {
    case verdict_kind::sealable: return "fully sealable at start-up";
    case verdict_kind::caveats: return "sealable with caveats";
    case verdict_kind::not_sealable: return "not sealable";
    case verdict_kind::not_loadable: return "not loadable (nothing to seal)";
    }
    return "";
}

const char *name_of(reason_severity severity) {
    switch (severity) {
    case reason_severity::blocker: return "blocker";
    case reason_severity::caveat: return "caveat";
    case reason_severity::note: return "note";
    }
    return "note";
}

}  // namespace sealkit::audit
