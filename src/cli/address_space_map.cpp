#include "address_space_map.h"

#include <algorithm>
#include <string_view>

#include <fmt/format.h>

#include "byte_size.h"
#include "printable_text.h"
#include "status_output.h"

namespace sealkit::cli {
namespace {

constexpr std::string_view kDeletedSuffix = " (deleted)";
constexpr size_t kMostCells = 64;

// Whether region_name is what a mapping with this path column is called.
bool same_name(const std::string &region_name, std::string_view path, bool deleted) {
    if (path.empty()) return region_name == "anonymous";
    if (!deleted) return region_name == path;
    return region_name.size() == path.size() + kDeletedSuffix.size() && region_name.starts_with(path) &&
           region_name.ends_with(kDeletedSuffix);
}

}  // namespace

void region_collector::add(const procfs::mapping &m) {
    std::string_view path(m.path, m.path_length);
    if (!regions_.empty()) {
        map_region &last = regions_.back();
        if (last.end == m.start && last.sealed == m.sealed && same_name(last.name, path, m.deleted)) {
            last.end = m.end;
            ++last.mappings;
            return;
        }
    }
    map_region region;
    region.start = m.start;
    region.end = m.end;
    region.sealed = m.sealed;
    region.mappings = 1;
    if (path.empty()) region.name = "anonymous";
    else {
        region.name.assign(path);
        if (m.deleted) region.name += kDeletedSuffix;
    }
    regions_.push_back(std::move(region));
}

bool region_collector::visit(const procfs::mapping &m, void *context) {
    static_cast<region_collector *>(context)->add(m);
    return true;
}

size_t bar_cells(uint64_t bytes, size_t page_size) {
    uint64_t pages = page_size == 0 ? bytes : (bytes + page_size - 1) / page_size;
    size_t doublings = 0;  // floor(log2(pages))
    while (pages > 1) {
        pages >>= 1;
        ++doublings;
    }
    return std::min(kMostCells, 2 * (doublings + 1));
}

std::string draw_address_space(const inspect::process_report &report, const std::vector<map_region> &regions,
                               const terminal_colors &colors, size_t page_size) {
    std::string out = fmt::format("PID {}", report.pid);
    if (!report.command.empty()) out += fmt::format(" ({})", printable(report.command));
    if (!report.executable.empty()) out += fmt::format(" {}", printable(report.executable));
    out += "\n";
    if (!regions.empty()) {
        size_t address_width = 1, widest_bar = 3;
        for (const map_region &region : regions) {
            address_width = std::max(address_width, fmt::formatted_size("{:x}", region.start));
            widest_bar = std::max(widest_bar, bar_cells(region.end - region.start, page_size));
        }
        out += colors.paint(color::dim, fmt::format("{:<{}}  {:>10}  {:<8}  {:>5}  {:<{}}  {}", "ADDRESS",
                                                    address_width, "SIZE", "STATE", "MAPS", "BAR", widest_bar,
                                                    "OBJECT")) +
               "\n";
        for (const map_region &region : regions) {
            uint64_t size = region.end - region.start;
            size_t cells = bar_cells(size, page_size);
            color tone = region.sealed ? color::sealed : color::unsealed;
            std::string bar(cells, region.sealed ? '#' : '.');
            out += fmt::format("{:0>{}x}  {:>10}  ", region.start, address_width, human_bytes(size));
            out += colors.paint(tone, fmt::format("{:<8}", region.sealed ? "sealed" : "unsealed"));
            out += fmt::format("  {:>5}  ", region.mappings);
            out += colors.paint(tone, bar) + std::string(widest_bar - cells, ' ');
            out += "  " + printable(region.name) + "\n";
        }
        out += colors.paint(color::dim, "bars: '#' sealed, '.' unsealed; two cells per doubling of the size (one "
                                        "page: 2 cells)") +
               "\n";
    }
    out += status_summary(report) + "\n";
    return out;
}

}  // namespace sealkit::cli
