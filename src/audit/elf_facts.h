// What `sealkit audit` learns about one ELF file from its headers alone:
// class, machine, type, RELRO, BIND_NOW, TEXTREL, the stack, writable and
// executable segments, the GNU_PROPERTY_MEMORY_SEAL mark, mutable ranges,
// static linking. seal_verdict.h turns these facts into a verdict.
//
// Why a parser of sealkit's own rather than elfutils' libelf: the audit
// needs the ELF header, the program headers, PT_DYNAMIC and the note
// segments, nothing else, and src/elf already reads the first two for the
// libc-only core (and is fuzzed). libelf would add a run-time dependency
// to the CLI, read the section headers too, and by default read or map the
// whole file; the readers here do a few small preads per file, which is
// what lets a whole /usr/lib be audited at readelf's speed. Everything is
// bounds-checked; fuzz/elf_audit_fuzz.cpp runs this code on arbitrary bytes
// and tests/audit replays it under ASan and UBSan.
//
//     file_source file;                   // or memory_source for a buffer
//     file.open(AT_FDCWD, "/bin/true");
//     elf_facts facts;
//     std::string problem;
//     if (read_elf_facts(file, &facts, &problem) == facts_error::none) ...
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <string>
#include <vector>

#include "audit/byte_source.h"

namespace sealkit::audit {

enum class facts_error {
    none,
    not_elf,     // no ELF magic (or fewer than four bytes)
    truncated,   // a header or segment the file announces lies past its end
    malformed,   // the headers contradict themselves or the ELF format
    read_failed, // an I/O error; the byte source's error() says which
};

enum class file_type {
    executable,     // ET_EXEC: loaded at a fixed address
    pie,            // ET_DYN position-independent executable (DF_1_PIE, or an interpreter and no soname)
    shared_object,  // ET_DYN library (also ld.so, and libc.so.6 although it can run)
    relocatable,    // ET_REL: an object file or kernel module, not loaded as it is
    core,           // ET_CORE
    other,          // any other e_type
};

enum class relro_level { none, partial, full };

enum class stack_state {
    not_executable,         // PT_GNU_STACK without PF_X
    executable,             // PT_GNU_STACK with PF_X
    missing_executable,     // no PT_GNU_STACK: the kernel makes the stack executable (x86)
    missing_not_executable, // no PT_GNU_STACK, on an architecture whose default is non-executable
    not_applicable,         // not a loadable file
};

// A program header's place in memory, for the segments worth naming.
struct segment_range {
    size_t index = 0;     // position in the program-header table
    uint32_t type = 0;    // PT_LOAD, PT_GNU_MUTABLE, PT_OPENBSD_MUTABLE
    uint32_t flags = 0;   // PF_R | PF_W | PF_X
    uint64_t vaddr = 0;
    uint64_t memsz = 0;
};

inline constexpr uint32_t kPtGnuMutable = 0x6474f555;
inline constexpr uint32_t kPtOpenbsdMutable = 0x65a3dbe5;

struct elf_facts {
    bool is_64_bit = false;
    bool big_endian = false;
    uint16_t machine = 0;  // e_machine
    uint16_t elf_type = 0; // e_type
    file_type type = file_type::other;

    size_t program_headers = 0;
    size_t load_segments = 0;
    bool has_interpreter = false;  // PT_INTERP
    bool has_dynamic = false;      // PT_DYNAMIC
    // An executable or PIE without PT_INTERP: the kernel starts it directly,
    // no ld.so runs, so LD_PRELOAD cannot reach it. static_pie when it
    // relocates itself (it has PT_DYNAMIC).
    bool is_static = false;
    bool static_pie = false;

    bool has_relro = false;   // PT_GNU_RELRO
    relro_level relro = relro_level::none;
    // BIND_NOW, and which of the three ways to ask for it are present.
    bool bind_now = false;
    bool dt_bind_now = false;
    bool df_bind_now = false;
    bool df_1_now = false;
    bool df_1_pie = false;
    bool has_soname = false;
    bool textrel = false;     // DT_TEXTREL or DF_TEXTREL
    size_t needed = 0;        // DT_NEEDED entries

    stack_state stack = stack_state::not_applicable;
    std::vector<segment_range> writable_executable;  // PT_LOAD with PF_W and PF_X
    std::vector<segment_range> mutable_ranges;       // PT_GNU_MUTABLE, PT_OPENBSD_MUTABLE

    bool property_note = false;  // an NT_GNU_PROPERTY_TYPE_0 note was found
    bool memory_seal = false;    // GNU_PROPERTY_MEMORY_SEAL is set
    bool malformed_notes = false;// a note segment overran itself (reading stopped there)
};

// Reads the facts from source. On failure returns why and puts one phrase
// into *problem ("program headers end at byte 9000, past the end of the
// 4096-byte file"); *facts is then incomplete.
facts_error read_elf_facts(byte_source &source, elf_facts *facts, std::string *problem);

// Names for output: "executable", "pie", "shared-object", ...; "none",
// "partial", "full"; "x86-64", "AArch64", ... ("machine 1234" otherwise).
const char *name_of(file_type type);
const char *name_of(relro_level level);
const char *name_of(stack_state state);
std::string machine_name(uint16_t machine);

}  // namespace sealkit::audit
