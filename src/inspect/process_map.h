// A process's mappings grouped into the objects a person thinks in: the
// executable and each library by path, [vdso], [stack], [heap], each
// [anon:NAME], and one "anonymous" group for the rest.
//
// The builder takes mappings one at a time in address order, straight from
// the smaps reader's visitor, so smaps is read once and never stored as
// text. Only mappings that need a second look are kept as records: those of
// files and the vDSO (whose parts are known only once the object's ELF
// headers are read) and anonymous mappings that may be an object's .bss
// tail. Every other mapping (the bulk of a process with many mappings) is
// added to its object's totals on the spot, without being stored.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "procfs/mapping.h"

namespace sealkit::inspect {

inline constexpr uint32_t kNoObject = UINT32_MAX;
inline constexpr size_t kNoMapping = SIZE_MAX;

enum class object_kind {
    executable,       // the file /proc/PID/exe names
    library,          // any other ELF file
    file,             // a mapped file that is not ELF (or whose headers could not be read)
    vdso,             // [vdso]
    vvar,             // [vvar], [vvar_vclock]
    stack,            // [stack]
    heap,             // [heap]
    anonymous,        // anonymous memory without a name
    named_anonymous,  // [anon:NAME] (PR_SET_VMA_ANON_NAME)
    special,          // any other kernel-named mapping ([vsyscall], [uprobes], ...)
};

// "executable", "library", "file", "vdso", "vvar", "stack", "heap",
// "anonymous", "named-anonymous", "special".
const char *kind_name(object_kind kind);

// Counts of mappings that were added up directly instead of kept.
struct mapping_totals {
    size_t mappings = 0;
    size_t sealed_mappings = 0;
    uint64_t bytes = 0;
    uint64_t sealed_bytes = 0;
    uintptr_t first_address = 0;  // of the first mapping counted
};

struct memory_object {
    std::string name;  // the path (plus " (deleted)"), the kernel's [name], or "anonymous"
    object_kind kind = object_kind::anonymous;  // file-backed objects stay `file` until their headers are read
    size_t header_mapping = kNoMapping;  // the kept mapping that holds file offset 0 (for [vdso]: its first)
    size_t first_mapping = kNoMapping;   // the object's lowest kept mapping
    mapping_totals unkept;               // its mappings that were not kept as records
};

// One mapping, as much of it as the report needs.
struct mapping_record {
    uintptr_t start = 0;
    uintptr_t end = 0;
    uint64_t offset = 0;         // file offset of start
    uint32_t object = kNoObject; // index into process_map::objects
    // For an anonymous mapping that starts exactly where a file object's
    // mapping (or such a candidate) ends: that object, which it may belong
    // to as .bss. kNoObject otherwise.
    uint32_t tail_of = kNoObject;
    uint8_t prot = 0;
    bool shared = false;
    bool sealed = false;
    bool file_backed = false;

    uint64_t length() const { return end - start; }
};

struct process_map {
    std::vector<memory_object> objects;
    std::vector<mapping_record> mappings;  // the kept ones, in address order
    // Every mapping, kept or not.
    size_t mapping_count = 0;
    size_t sealed_mapping_count = 0;
    uint64_t file_backed_bytes = 0;  // mappings of files (inode != 0)
    uint64_t sealed_file_backed_bytes = 0;
    bool missing_vmflags = false;  // some mapping had no VmFlags line: seals cannot be known
};

class process_map_builder {
public:
    process_map_builder();

    // Adds the next mapping (they must come in address order, as smaps
    // lists them).
    void add(const procfs::mapping &m);

    // The same, shaped as a procfs::mapping_visitor (context: the builder).
    static bool visit(const procfs::mapping &m, void *context);

    // Hands over the grouped map; the builder is empty afterwards.
    process_map finish();

private:
    uint32_t object_for_file(std::string_view path, bool deleted);
    uint32_t object_for_name(std::string_view name);
    uint32_t anonymous_object();
    uint32_t new_object(std::string name, object_kind kind);

    // Lets std::string keys be found with a string_view, without building a
    // temporary string per mapping.
    struct name_hash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    using name_index = std::unordered_map<std::string, uint32_t, name_hash, std::equal_to<>>;

    process_map map_;
    name_index files_;          // live files, by path
    name_index deleted_files_;  // unlinked files, by path (without the suffix)
    name_index named_;          // kernel-named and [anon:NAME] mappings
    uint32_t anonymous_ = kNoObject;
    // The last file seen, for the common case of consecutive mappings of
    // one file.
    uint32_t last_file_ = kNoObject;
    bool last_file_deleted_ = false;
    std::string last_file_path_;
    // What an anonymous mapping starting at previous_end_ may be the tail of.
    uint32_t previous_tail_owner_ = kNoObject;
    uintptr_t previous_end_ = 0;
};

}  // namespace sealkit::inspect
