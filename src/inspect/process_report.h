// What `sealkit status` reports about one process: a row per object with
// its mappings, bytes and sealed bytes, which of its text, read-only data,
// RELRO and writable data are sealed, and totals for the process.
//
// summarize() is pure: it takes a grouped process map and the objects'
// layouts, so tests can feed it captured smaps text and made-up headers.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "inspect/image_headers.h"
#include "inspect/object_layout.h"
#include "inspect/process_map.h"

namespace sealkit::inspect {

// How much of a part is sealed.
enum class seal_state {
    absent,    // the object has no bytes of this part
    unsealed,  // none of its bytes
    partly,    // some
    sealed,    // all
};

// "absent", "unsealed", "partly", "sealed".
const char *state_name(seal_state state);
seal_state state_of(const part_bytes &part);

struct object_row {
    std::string name;
    object_kind kind = object_kind::anonymous;
    uintptr_t first_address = 0;
    size_t mappings = 0;
    size_t sealed_mappings = 0;
    uint64_t bytes = 0;
    uint64_t sealed_bytes = 0;
    // File-backed executable mappings (PROT_EXEC) without "sl": for an ELF
    // image, code that can still be remapped or made writable.
    size_t unsealed_executable_mappings = 0;
    // Set when the object's ELF headers were read: parts is then valid.
    bool classified = false;
    header_origin layout_origin = header_origin::none;
    part_totals parts{};

    const part_bytes &part(image_part which) const { return parts[static_cast<size_t>(which)]; }
};

struct process_report {
    int pid = 0;
    std::string command;     // /proc/PID/comm, empty if unreadable
    std::string executable;  // /proc/PID/exe, empty if unreadable
    std::vector<object_row> objects;  // by address of their first mapping
    size_t mappings = 0;
    size_t sealed_mappings = 0;
    uint64_t file_backed_bytes = 0;  // mappings of files (inode != 0)
    uint64_t sealed_file_backed_bytes = 0;
    // sealkit's seccomp backend enforces seals in this process: the exec
    // guard's marker page (kSeccompBackendMarker) is mapped and the process
    // runs seccomp filters. Such seals set no "sl" in smaps, so the rows
    // cannot show which memory they cover. A claim the process makes about
    // itself (any program can name a memfd so), never proof like "sl".
    bool seccomp_backend = false;
    int seccomp_filters = 0;  // from /proc/PID/status; 0 when not known
};

// The name under which the seccomp backend's exec marker shows in smaps
// (src/seccomp/exec_guard.cpp maps it).
inline constexpr std::string_view kSeccompBackendMarker = "/memfd:sealkit-exec-marker (deleted)";

// Builds the rows and totals. images holds one entry per map object (see
// read_images). executable is /proc/PID/exe's target, as smaps would print
// it (with " (deleted)" when unlinked); its row is marked executable.
process_report summarize(const process_map &map, const std::vector<std::optional<image_info>> &images,
                         std::string_view executable);

}  // namespace sealkit::inspect
