// Reads the ELF header and program headers of each object in a process map
// and turns them into object layouts.
//
// The headers are read from the process's own memory: the mapping that
// holds an object's file offset 0 holds its ELF header and (in every
// ordinary ELF file) its program headers, and what was loaded is what
// counts, even if the file on disk changed since. One read per object, not
// per mapping, keeps `sealkit status` close to the cost of reading smaps.
// When the memory cannot be read (no PROT_READ, no ptrace access to another
// process's memory) the file itself is read instead.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <optional>
#include <vector>

#include "inspect/object_layout.h"
#include "inspect/process_map.h"

namespace sealkit::inspect {

enum class header_origin { none, process_memory, file };

// "memory", "file" or "none".
const char *origin_name(header_origin origin);

// Supplies the first bytes of an object's file image. The process reader
// below is the real one; tests supply their own.
class image_source {
public:
    virtual ~image_source() = default;

    // Copies bytes [0, length) of the object's file into out. anchor is the
    // object's mapping of file offset 0 (or, failing that, its first
    // mapping). Returns how many bytes were copied: less than length (often
    // 0) when no more are available. Sets origin to where they came from.
    virtual size_t read_prefix(const memory_object &object, const mapping_record &anchor, unsigned char *out,
                               size_t length, header_origin &origin) = 0;
};

// Reads from a live process: its memory first, then the mapped file.
class process_image_source final : public image_source {
public:
    explicit process_image_source(int pid);  // 0: the calling process
    size_t read_prefix(const memory_object &object, const mapping_record &anchor, unsigned char *out,
                       size_t length, header_origin &origin) override;

private:
    size_t read_memory(uintptr_t address, unsigned char *out, size_t length) const;
    size_t read_file(const memory_object &object, const mapping_record &anchor, unsigned char *out,
                     size_t length) const;
    int pid_;
};

// What the report needs of one ELF object.
struct image_info {
    object_layout layout;
    uint16_t elf_type = 0;  // ET_EXEC, ET_DYN, ...
    header_origin origin = header_origin::none;
};

// One entry per object of map (same index): the image of each file object
// and the vDSO whose headers could be read and parsed, nullopt for the
// rest (anonymous memory, data files that are not ELF, unreadable ones).
std::vector<std::optional<image_info>> read_images(const process_map &map, image_source &source,
                                                   size_t page_size);

}  // namespace sealkit::inspect
