#include "inspect/image_headers.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <string>

#include "elf/program_headers.h"

namespace sealkit::inspect {
namespace {

// Enough for the ELF header and 35 program headers: every ordinary object
// in one read. Larger tables are read again at their full size.
constexpr size_t kFirstReadBytes = 2048;
// Where a program-header table may end before the object is given up on: a
// table far into the file is no loaded object's.
constexpr uint64_t kLargestHeaderEnd = 1024 * 1024;

size_t read_whole(int fd, unsigned char *out, size_t length) {
    size_t got = 0;
    while (got < length) {
        ssize_t n = pread(fd, out + got, length - got, static_cast<off_t>(got));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<size_t>(n);
    }
    return got;
}

size_t read_path(const char *path, unsigned char *out, size_t length) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return 0;
    size_t got = read_whole(fd, out, length);
    close(fd);
    return got;
}

}  // namespace

const char *origin_name(header_origin origin) {
    switch (origin) {
    case header_origin::none: return "none";
    case header_origin::process_memory: return "memory";
    case header_origin::file: return "file";
    }
    return "none";
}

process_image_source::process_image_source(int pid) : pid_(pid) {}

size_t process_image_source::read_memory(uintptr_t address, unsigned char *out, size_t length) const {
    if (pid_ == 0) {
        // Our own mapping, readable (checked by the caller): no system call.
        memcpy(out, reinterpret_cast<const void *>(address), length);
        return length;
    }
    iovec local{out, length};
    iovec remote{reinterpret_cast<void *>(address), length};
    ssize_t got = process_vm_readv(pid_, &local, 1, &remote, 1, 0);
    return got > 0 ? static_cast<size_t>(got) : 0;
}

size_t process_image_source::read_file(const memory_object &object, const mapping_record &anchor,
                                       unsigned char *out, size_t length) const {
    char path[96];
    const char *proc = pid_ == 0 ? "self" : nullptr;
    char pid_text[16];
    if (proc == nullptr) {
        snprintf(pid_text, sizeof pid_text, "%d", pid_);
        proc = pid_text;
    }
    // The exact file mapped, even if unlinked or in another mount namespace
    // (needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE).
    snprintf(path, sizeof path, "/proc/%s/map_files/%lx-%lx", proc, static_cast<unsigned long>(anchor.start),
             static_cast<unsigned long>(anchor.end));
    size_t got = read_path(path, out, length);
    if (got > 0) return got;
    constexpr std::string_view deleted = " (deleted)";
    std::string_view name = object.name;
    if (name.empty() || name.front() != '/' ||
        (name.size() > deleted.size() && name.substr(name.size() - deleted.size()) == deleted))
        return 0;  // not a path, or the file is gone
    // The path as the process sees it, then as we do.
    std::string through_root = std::string("/proc/") + proc + "/root" + object.name;
    got = read_path(through_root.c_str(), out, length);
    if (got > 0) return got;
    return read_path(object.name.c_str(), out, length);
}

size_t process_image_source::read_prefix(const memory_object &object, const mapping_record &anchor,
                                         unsigned char *out, size_t length, header_origin &origin) {
    origin = header_origin::none;
    // The anchor maps file bytes [offset, offset + its length): memory can
    // answer when that covers [0, length).
    if (anchor.offset == 0 && (anchor.prot & PROT_READ) && length <= anchor.length()) {
        size_t got = read_memory(anchor.start, out, length);
        if (got == length) {
            origin = header_origin::process_memory;
            return got;
        }
    }
    if (object.kind != object_kind::file) return 0;  // the vDSO has no file
    size_t got = read_file(object, anchor, out, length);
    if (got > 0) origin = header_origin::file;
    return got;
}

std::vector<std::optional<image_info>> read_images(const process_map &map, image_source &source,
                                                   size_t page_size) {
    std::vector<std::optional<image_info>> images(map.objects.size());
    std::vector<unsigned char> buffer(kFirstReadBytes);
    for (size_t i = 0; i < map.objects.size(); ++i) {
        const memory_object &object = map.objects[i];
        if (object.kind != object_kind::file && object.kind != object_kind::vdso) continue;
        size_t anchor_index = object.header_mapping != kNoMapping ? object.header_mapping : object.first_mapping;
        if (anchor_index == kNoMapping) continue;
        const mapping_record &anchor = map.mappings[anchor_index];

        header_origin origin;
        size_t got = source.read_prefix(object, anchor, buffer.data(), kFirstReadBytes, origin);
        elf::file_header header;
        if (elf::read_file_header(buffer.data(), got, &header) != elf::parse_error::none) continue;
        uint64_t table_end;
        if (!elf::program_headers_end(header, &table_end) || table_end > kLargestHeaderEnd) continue;
        if (table_end > got) {
            buffer.resize(static_cast<size_t>(table_end));
            got = source.read_prefix(object, anchor, buffer.data(), buffer.size(), origin);
        }
        elf::program_header_table table;
        if (table.open(header, buffer.data(), got) != elf::parse_error::none) continue;
        auto layout = object_layout::from_program_headers(table, anchor.offset, anchor.start, page_size);
        if (!layout) continue;
        images[i] = image_info{std::move(*layout), header.type, origin};
    }
    return images;
}

}  // namespace sealkit::inspect
