// `status --map PID`: a process's address space drawn for a person, one
// line per region, so the unsealed holes in sealed memory stand out.
//
// A region is a run of adjacent mappings (each starting where the last one
// ended) of the same object with the same seal state; its bar grows by two
// cells each time the size doubles (log scale: a 4 KiB page is "##", 1 MiB
// is 18 cells, 1 GiB 38), made of '#' when sealed and '.' when not, and
// coloured green and red on a terminal:
//
//   ADDRESS           SIZE  STATE     MAPS  BAR                     OBJECT
//   55d0c0a00000    16 KiB  sealed       2  ######                  /usr/bin/prog
//   55d0c0a04000     4 KiB  unsealed     1  ..                      /usr/bin/prog
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <string>
#include <vector>

#include "inspect/process_report.h"
#include "procfs/mapping.h"
#include "terminal_colors.h"

namespace sealkit::cli {

struct map_region {
    uintptr_t start = 0;
    uintptr_t end = 0;
    std::string name;  // path (plus " (deleted)"), [kernel name] or "anonymous"
    bool sealed = false;
    size_t mappings = 0;
};

// Gathers regions from mappings handed over in address order (shaped as a
// procfs::mapping_visitor, to be fed while smaps is read once).
class region_collector {
public:
    void add(const procfs::mapping &m);
    static bool visit(const procfs::mapping &m, void *context);
    const std::vector<map_region> &regions() const { return regions_; }

private:
    std::vector<map_region> regions_;
};

// The number of bar cells for a region of this many bytes: two per
// doubling of its size in pages, at least 2 and at most 64.
size_t bar_cells(uint64_t bytes, size_t page_size);

// The picture: the report's "PID ..." line, a header, one line per region,
// a legend and the report's summary line.
std::string draw_address_space(const inspect::process_report &report, const std::vector<map_region> &regions,
                               const terminal_colors &colors, size_t page_size);

}  // namespace sealkit::cli
