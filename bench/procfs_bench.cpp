// What sealkit's /proc reader costs beside the kernel's own rendering of
// the file: read_mappings() of this process's smaps and maps (10,000 extra
// single-page mappings, like the `sealkit status` benchmark's helper)
// against plain read() loops over the same file, and the parser alone on
// an in-memory copy of the text. scripts/bench prints the ratios.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "procfs/mappings_parser.h"
#include "procfs/mappings_reader.h"

namespace {

using sealkit::procfs::mapping;
using sealkit::procfs::mappings_file;

constexpr long kMappings = 10000;

// 10,000 single-page mappings, alternately read-write and read-only, every
// page touched; made once for the whole program.
void make_mappings() {
    static bool made = false;
    if (made) return;
    made = true;
    long page = sysconf(_SC_PAGESIZE);
    char *base = static_cast<char *>(
        mmap(nullptr, static_cast<size_t>(kMappings * page), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (base == MAP_FAILED) abort();
    volatile char sink = 0;
    for (long i = 0; i < kMappings; ++i) {
        char *p = base + i * page;
        if (i % 2 == 0) {
            p[0] = 1;
        } else {
            sink = static_cast<char>(sink + p[0]);
            if (mprotect(p, static_cast<size_t>(page), PROT_READ) != 0) abort();
        }
    }
}

const char *file_name(mappings_file file) { return file == mappings_file::smaps ? "/proc/self/smaps" : "/proc/self/maps"; }

// The baseline: the file read with the reader's 64 KiB buffer, no parsing.
size_t read_all(mappings_file file, std::string *copy) {
    int fd = open(file_name(file), O_RDONLY | O_CLOEXEC);
    if (fd < 0) abort();
    static char buffer[64 * 1024];
    size_t total = 0;
    ssize_t got;
    while ((got = read(fd, buffer, sizeof buffer)) > 0) {
        total += static_cast<size_t>(got);
        if (copy) copy->append(buffer, static_cast<size_t>(got));
    }
    close(fd);
    return total;
}

bool count(const mapping &m, void *context) {
    *static_cast<size_t *>(context) += m.sealed + 1;
    return true;
}

void BM_ReadFile(benchmark::State &state, mappings_file file) {
    make_mappings();
    size_t bytes = 0;
    for (auto _ : state) bytes = read_all(file, nullptr);
    state.SetBytesProcessed(static_cast<int64_t>(bytes) * state.iterations());
}

void BM_ReadMappings(benchmark::State &state, mappings_file file) {
    make_mappings();
    size_t seen = 0;
    for (auto _ : state) {
        sealkit::procfs::read_result r = sealkit::procfs::read_mappings(0, file, count, &seen);
        if (r.error != 0 || r.mappings < kMappings) {
            state.SkipWithError("read_mappings failed or came up short");
            break;
        }
    }
    benchmark::DoNotOptimize(seen);
}

void BM_ParseText(benchmark::State &state, mappings_file file) {
    make_mappings();
    std::string text;
    read_all(file, &text);
    size_t seen = 0;
    for (auto _ : state) {
        size_t malformed = sealkit::procfs::parse_mappings_text(text.data(), text.size(), count, &seen);
        if (malformed != 0) {
            state.SkipWithError("malformed lines in the kernel's own text");
            break;
        }
    }
    benchmark::DoNotOptimize(seen);
    state.SetBytesProcessed(static_cast<int64_t>(text.size()) * state.iterations());
}

}  // namespace

BENCHMARK_CAPTURE(BM_ReadFile, smaps, mappings_file::smaps)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ReadMappings, smaps, mappings_file::smaps)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ParseText, smaps, mappings_file::smaps)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ReadFile, maps, mappings_file::maps)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ReadMappings, maps, mappings_file::maps)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ParseText, maps, mappings_file::maps)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
