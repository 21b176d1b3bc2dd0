#include "audit/elf_facts.h"

#include <elf.h>
#include <string.h>

#include <fmt/format.h>

#include "elf/dynamic_section.h"
#include "elf/gnu_properties.h"
#include "elf/program_headers.h"

namespace sealkit::audit {
namespace {

// Real dynamic sections and note segments are a few hundred bytes; reading
// is capped so that a hostile header cannot make the audit read gigabytes.
// The parts past the cap are not looked at (a DT_NULL or the property note
// always comes long before it in files a linker wrote).
constexpr size_t kMaxSegmentRead = 1 << 20;
constexpr size_t kMaxNoteSegments = 16;

const char *segment_type_name(uint32_t type) {
    switch (type) {
    case PT_LOAD: return "PT_LOAD";
    case PT_DYNAMIC: return "PT_DYNAMIC";
    case PT_INTERP: return "PT_INTERP";
    case PT_NOTE: return "PT_NOTE";
    case PT_GNU_PROPERTY: return "PT_GNU_PROPERTY";
    default: return "segment";
    }
}

struct reader {
    byte_source &source;
    std::string *problem;

    // Reads [offset, offset + length) of a segment; the failure is described.
    facts_error read(uint64_t offset, uint64_t length, const unsigned char **out, const char *what) {
        if (offset > UINT64_MAX - length) {
            *problem = fmt::format("{} has an offset and size that overflow", what);
            return facts_error::malformed;
        }
        switch (source.read(offset, static_cast<size_t>(length), out)) {
        case read_status::ok: return facts_error::none;
        case read_status::past_end:
            *problem = fmt::format("{} ends at byte {}, past the end of the {}-byte file", what, offset + length,
                                   source.size());
            return facts_error::truncated;
        case read_status::failed: return facts_error::read_failed;
        }
        return facts_error::read_failed;
    }
};

bool x86(uint16_t machine) { return machine == EM_X86_64 || machine == EM_386; }

file_type type_of(uint16_t elf_type, const elf_facts &facts) {
    switch (elf_type) {
    case ET_EXEC: return file_type::executable;
    case ET_REL: return file_type::relocatable;
    case ET_CORE: return file_type::core;
    case ET_DYN:
        // As file(1) decides: DF_1_PIE says so; linkers older than that
        // leave an interpreter without a soname as the sign of a PIE.
        if (facts.df_1_pie) return file_type::pie;
        if (facts.has_interpreter && !facts.has_soname) return file_type::pie;
        return file_type::shared_object;
    default: return file_type::other;
    }
}

}  // namespace

facts_error read_elf_facts(byte_source &source, elf_facts *facts, std::string *problem) {
    *facts = elf_facts{};
    problem->clear();
    reader in{source, problem};
    const uint64_t file_size = source.size();

    // The ELF header: the magic first, so that any short file that does not
    // start with it is simply "not ELF".
    const unsigned char *bytes = nullptr;
    const size_t header_bytes = file_size < sizeof(Elf64_Ehdr) ? static_cast<size_t>(file_size) : sizeof(Elf64_Ehdr);
    if (facts_error e = in.read(0, header_bytes, &bytes, "the ELF header"); e != facts_error::none) return e;
    if (header_bytes < SELFMAG || memcmp(bytes, ELFMAG, SELFMAG) != 0) return facts_error::not_elf;

    elf::file_header header;
    switch (elf::parse_error e = elf::read_file_header(bytes, header_bytes, &header)) {
    case elf::parse_error::none: break;
    case elf::parse_error::truncated:
        *problem = fmt::format("the ELF header is cut off after {} bytes", file_size);
        return facts_error::truncated;
    default:
        *problem = elf::describe(e);
        return facts_error::malformed;
    }
    facts->is_64_bit = header.is_64_bit;
    facts->big_endian = header.big_endian;
    facts->machine = header.machine;
    facts->elf_type = header.type;

    // The program-header table, read on its own (it need not follow the
    // ELF header) and decoded once.
    std::vector<elf::program_header> segments;
    if (header.phnum != 0) {
        uint64_t end = 0;
        if (!elf::program_headers_end(header, &end)) {
            const uint64_t table_bytes = static_cast<uint64_t>(header.phnum) * header.phentsize;
            *problem = header.phnum == PN_XNUM || table_bytes > elf::kMaxProgramHeaderBytes
                           ? elf::describe(elf::parse_error::too_many_headers)
                           : "the program-header table's offset and size overflow";
            return facts_error::malformed;
        }
        elf::file_header at_zero = header;
        at_zero.phoff = 0;
        const uint64_t table_bytes = end - header.phoff;
        if (facts_error e = in.read(header.phoff, table_bytes, &bytes, "the program-header table");
            e != facts_error::none)
            return e;
        elf::program_header_table table;
        if (elf::parse_error e = table.open(at_zero, bytes, static_cast<size_t>(table_bytes));
            e != elf::parse_error::none) {
            *problem = elf::describe(e);
            return facts_error::malformed;
        }
        segments.resize(table.count());
        for (size_t i = 0; i < table.count(); ++i) table.get(i, &segments[i]);
    }
    facts->program_headers = segments.size();

    // Every segment the loader would read must lie inside the file, and
    // memory holds at least what the file gives it (the kernel refuses
    // anything else).
    const elf::program_header *dynamic = nullptr;
    bool has_stack_header = false;
    for (size_t i = 0; i < segments.size(); ++i) {
        const elf::program_header &ph = segments[i];
        if (ph.type == PT_LOAD || ph.type == PT_DYNAMIC || ph.type == PT_INTERP || ph.type == PT_NOTE ||
            ph.type == PT_GNU_PROPERTY) {
            if (ph.offset > UINT64_MAX - ph.filesz) {
                *problem = fmt::format("program header {} ({}) has an offset and size that overflow", i,
                                       segment_type_name(ph.type));
                return facts_error::malformed;
            }
            if (ph.offset + ph.filesz > file_size) {
                *problem = fmt::format("program header {} ({}) ends at byte {}, past the end of the {}-byte file", i,
                                       segment_type_name(ph.type), ph.offset + ph.filesz, file_size);
                return facts_error::truncated;
            }
        }
        switch (ph.type) {
        case PT_LOAD:
            if (ph.filesz > ph.memsz) {
                *problem = fmt::format("program header {} (PT_LOAD) has more bytes in the file than in memory", i);
                return facts_error::malformed;
            }
            ++facts->load_segments;
            if ((ph.flags & PF_W) && (ph.flags & PF_X))
                facts->writable_executable.push_back({i, ph.type, ph.flags, ph.vaddr, ph.memsz});
            break;
        case PT_INTERP: facts->has_interpreter = true; break;
        case PT_DYNAMIC:
            facts->has_dynamic = true;
            if (dynamic == nullptr) dynamic = &ph;  // the loader uses the first
            break;
        case PT_GNU_RELRO: facts->has_relro = true; break;
        case PT_GNU_STACK:
            has_stack_header = true;
            facts->stack = (ph.flags & PF_X) ? stack_state::executable : stack_state::not_executable;
            break;
        case kPtGnuMutable:
        case kPtOpenbsdMutable: facts->mutable_ranges.push_back({i, ph.type, ph.flags, ph.vaddr, ph.memsz}); break;
        default: break;
        }
    }

    if (dynamic != nullptr) {
        uint64_t length = dynamic->filesz < kMaxSegmentRead ? dynamic->filesz : kMaxSegmentRead;
        if (facts_error e = in.read(dynamic->offset, length, &bytes, "the dynamic section"); e != facts_error::none)
            return e;
        elf::dynamic_table table(bytes, static_cast<size_t>(length), header.is_64_bit, header.big_endian);
        elf::dynamic_flags flags = elf::summarize(table);
        facts->bind_now = flags.binds_now();
        facts->dt_bind_now = flags.bind_now_tag;
        facts->df_bind_now = (flags.flags & DF_BIND_NOW) != 0;
        facts->df_1_now = (flags.flags_1 & DF_1_NOW) != 0;
        facts->df_1_pie = flags.marked_pie();
        facts->has_soname = flags.has_soname;
        facts->textrel = flags.has_text_relocations();
        facts->needed = flags.needed;
    }

    // GNU properties: PT_GNU_PROPERTY when there is one (that is where the
    // loader looks), otherwise every PT_NOTE segment.
    bool has_property_header = false;
    for (const elf::program_header &ph : segments) has_property_header |= ph.type == PT_GNU_PROPERTY;
    size_t note_segments = 0;
    elf::gnu_property_facts properties;
    for (const elf::program_header &ph : segments) {
        if (ph.type != (has_property_header ? PT_GNU_PROPERTY : PT_NOTE)) continue;
        if (ph.filesz == 0 || ++note_segments > kMaxNoteSegments) continue;
        uint64_t length = ph.filesz < kMaxSegmentRead ? ph.filesz : kMaxSegmentRead;
        if (facts_error e = in.read(ph.offset, length, &bytes, "a note segment"); e != facts_error::none) return e;
        elf::scan_gnu_properties(bytes, static_cast<size_t>(length), ph.align, header.is_64_bit, header.big_endian,
                                 &properties);
    }
    facts->property_note = properties.property_note;
    facts->memory_seal = properties.memory_seal;
    facts->malformed_notes = properties.malformed;

    facts->type = type_of(header.type, *facts);
    const bool program = facts->type == file_type::executable || facts->type == file_type::pie;
    const bool loadable = program || facts->type == file_type::shared_object;
    if (program && !facts->has_interpreter) {
        facts->is_static = true;
        facts->static_pie = facts->has_dynamic;
    }
    if (facts->has_relro) {
        // Lazy binding is ld.so's work: a static program (static-pie too)
        // applies all its relocations at start-up, then RELRO.
        facts->relro = facts->bind_now || facts->is_static || !facts->has_dynamic ? relro_level::full
                                                                                  : relro_level::partial;
    }
    if (!loadable || facts->load_segments == 0) facts->stack = stack_state::not_applicable;
    else if (!has_stack_header)
        facts->stack = x86(header.machine) ? stack_state::missing_executable : stack_state::missing_not_executable;
    return facts_error::none;
}

const char *name_of(file_type type) {
    switch (type) {
    case file_type::executable: return "executable";
    case file_type::pie: return "pie";
    case file_type::shared_object: return "shared-object";
    case file_type::relocatable: return "relocatable";
    case file_type::core: return "core";
    case file_type::other: return "other";
    }
    return "other";
}

const char *name_of(relro_level level) {
    switch (level) {
    case relro_level::none: return "none";
    case relro_level::partial: return "partial";
    case relro_level::full: return "full";
    }
    return "none";
}

const char *name_of(stack_state state) {
    switch (state) {
    case stack_state::not_executable: return "not-executable";
    case stack_state::executable: return "executable";
    case stack_state::missing_executable: return "missing-executable";
    case stack_state::missing_not_executable: return "missing-not-executable";
    case stack_state::not_applicable: return "not-applicable";
    }
    return "not-applicable";
}

std::string machine_name(uint16_t machine) {
    switch (machine) {
    case EM_X86_64: return "x86-64";
    case EM_386: return "i386";
    case EM_AARCH64: return "AArch64";
    case EM_ARM: return "ARM";
    case EM_RISCV: return "RISC-V";
    case EM_PPC64: return "PowerPC64";
    case EM_PPC: return "PowerPC";
    case EM_S390: return "s390";
    case EM_MIPS: return "MIPS";
    case EM_SPARCV9: return "SPARC V9";
    case EM_IA_64: return "IA-64";
    case EM_BPF: return "BPF";
    case 258: return "LoongArch";  // EM_LOONGARCH, not in every <elf.h>
    default: return fmt::format("machine {}", machine);
    }
}

}  // namespace sealkit::audit
