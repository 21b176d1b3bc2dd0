// Builds the list of loaded images from dl_iterate_phdr.
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "sealkit/sealkit.h"
#include "startup/elf_notes.h"
#include "startup/loaded_image.h"
#include "system/syscalls.h"

namespace sealkit::startup {
namespace {

uintptr_t page_down(uintptr_t value) { return value & ~(sys::page_size() - 1); }
uintptr_t page_up(uintptr_t value) { return (value + sys::page_size() - 1) & ~(sys::page_size() - 1); }

// The executable's path for reports (dl_iterate_phdr names it ""). The
// kernel's AT_EXECFN is free and absolute whenever the program was found
// through PATH or named by full path; only a relative one costs a readlink
// of /proc/self/exe (tens of microseconds on virtualised machines).
const char *main_program_path() {
    static char path[4096];
    const char *executed = reinterpret_cast<const char *>(getauxval(AT_EXECFN));
    if (executed != nullptr && executed[0] == '/') return executed;
    if (path[0] == '\0') {
        ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
        if (n > 0) path[n] = '\0';
        else strncpy(path, executed ? executed : "(main program)", sizeof path - 1);
    }
    return path;
}

// GNU_PROPERTY_MEMORY_SEAL in a PT_GNU_PROPERTY note: NT_GNU_PROPERTY_TYPE_0
// notes whose descriptors hold 8-byte aligned (pr_type, pr_datasz, data)
// records on 64-bit.
bool find_memory_seal_property(const elf_note &note, void *context) {
    if (!note_named(note, "GNU") || note.type != NT_GNU_PROPERTY_TYPE_0) return true;
    size_t at = 0;
    while (note.descriptor_size - at >= 8) {
        uint32_t type, data_size;
        memcpy(&type, note.descriptor + at, 4);
        memcpy(&data_size, note.descriptor + at + 4, 4);
        if (type == kGnuPropertyMemorySeal) {
            *static_cast<bool *>(context) = true;
            return false;
        }
        size_t step = 8 + ((static_cast<size_t>(data_size) + 7) & ~size_t{7});
        if (step > note.descriptor_size - at) break;
        at += step;
    }
    return true;
}

// The sealkit_protected section an object announces (protected_memory.h):
// two 32-bit offsets, each relative to its own position in the note.
struct protected_search {
    address_range found;
};

bool find_protected_section(const elf_note &note, void *context) {
    if (!note_named(note, "sealkit") || note.type != kProtectedNoteType || note.descriptor_size != 8) return true;
    int32_t offsets[2];
    memcpy(offsets, note.descriptor, sizeof offsets);
    uintptr_t start = reinterpret_cast<uintptr_t>(note.descriptor) + static_cast<intptr_t>(offsets[0]);
    uintptr_t stop = reinterpret_cast<uintptr_t>(note.descriptor + 4) + static_cast<intptr_t>(offsets[1]);
    if (stop > start) static_cast<protected_search *>(context)->found = {page_down(start), page_up(stop)};
    return false;
}

// Reads what startup sealing needs from .dynamic. glibc relocates the
// d_ptr entries in place on most targets (not where .dynamic is read-only),
// so an address below the load bias is still relative.
void read_dynamic(const ElfW(Dyn) *dynamic, loaded_image &image) {
    uint64_t soname_offset = UINT64_MAX;
    for (const ElfW(Dyn) *entry = dynamic; entry->d_tag != DT_NULL; ++entry) {
        switch (entry->d_tag) {
        case DT_FLAGS_1:
            image.flagged_nodelete = (entry->d_un.d_val & DF_1_NODELETE) != 0;
            break;
        case DT_STRTAB: {
            uintptr_t address = entry->d_un.d_ptr;
            if (address < image.bias) address += image.bias;
            image.strings = reinterpret_cast<const char *>(address);
            break;
        }
        case DT_STRSZ:
            image.strings_size = entry->d_un.d_val;
            break;
        case DT_SONAME:
            soname_offset = entry->d_un.d_val;
            break;
        default:
            break;
        }
    }
    image.dynamic = dynamic;
    if (const char *soname = dynamic_string(image, soname_offset)) image.soname = soname;
}

void describe(const dl_phdr_info &info, loaded_image &image, uintptr_t vdso_base) {
    image.identity = info.dlpi_phdr;
    image.bias = info.dlpi_addr;
    uintptr_t lowest = UINTPTR_MAX, highest = 0;
    for (int i = 0; i < info.dlpi_phnum; ++i) {
        const ElfW(Phdr) &ph = info.dlpi_phdr[i];
        uintptr_t start = info.dlpi_addr + ph.p_vaddr;
        uintptr_t end = start + ph.p_memsz;
        switch (ph.p_type) {
        case PT_LOAD:
            if (ph.p_memsz == 0) break;
            if (page_down(start) < lowest) lowest = page_down(start);
            if (page_up(end) > highest) highest = page_up(end);
            if (ph.p_flags & PF_X) image.segment_kinds |= SEALKIT_SEGMENT_TEXT;
            else if (ph.p_flags & PF_W) image.segment_kinds |= SEALKIT_SEGMENT_DATA;
            else image.segment_kinds |= SEALKIT_SEGMENT_RODATA;
            break;
        case PT_GNU_RELRO:
            // glibc protects [start, end) rounded *down* at both ends: the
            // last partial page stays writable with .data.
            image.relro = {page_down(start), page_down(end)};
            if (!image.relro.empty()) image.segment_kinds |= SEALKIT_SEGMENT_RELRO;
            break;
        case kPtGnuMutable:
        case kPtOpenbsdMutable:
            if (image.mutable_count == kMaxMutableRanges) {
                image.too_many_mutable = true;
                break;
            }
            // Rounded outwards: every byte the object declared mutable stays so.
            image.mutable_ranges[image.mutable_count++] = {page_down(start), page_up(end)};
            break;
        case PT_GNU_PROPERTY:
            for_each_note(reinterpret_cast<const unsigned char *>(start), ph.p_memsz, ph.p_align,
                          find_memory_seal_property, &image.marked_for_sealing);
            break;
        case PT_NOTE: {
            protected_search search;
            for_each_note(reinterpret_cast<const unsigned char *>(start), ph.p_memsz, ph.p_align,
                          find_protected_section, &search);
            if (!search.found.empty()) image.protected_data = search.found;
            break;
        }
        case PT_DYNAMIC:
            if (ph.p_memsz >= sizeof(ElfW(Dyn))) read_dynamic(reinterpret_cast<const ElfW(Dyn) *>(start), image);
            break;
        default:
            break;
        }
    }
    if (lowest < highest) image.span = {lowest, highest};
    // Gaps between PT_LOAD segments: the span is larger than their sum.
    size_t loaded = 0;
    for (int i = 0; i < info.dlpi_phnum; ++i) {
        const ElfW(Phdr) &ph = info.dlpi_phdr[i];
        if (ph.p_type == PT_LOAD && ph.p_memsz)
            loaded += page_up(info.dlpi_addr + ph.p_vaddr + ph.p_memsz) - page_down(info.dlpi_addr + ph.p_vaddr);
    }
    if (image.span.length() > loaded) image.segment_kinds |= SEALKIT_SEGMENT_GAP;
    image.is_vdso = vdso_base != 0 && image.span.start == vdso_base;
    image.is_main_program = !image.is_vdso && (info.dlpi_name == nullptr || info.dlpi_name[0] == '\0');
    image.name = image.is_main_program ? main_program_path() : info.dlpi_name;
    if (image.is_vdso) image.name = "[vdso]";
}

struct enumeration {
    image_list *list;
    uintptr_t vdso_base;
    long error;
};

int add_image(dl_phdr_info *info, size_t, void *context) {
    auto &walk = *static_cast<enumeration *>(context);
    image_list &list = *walk.list;
    if (list.count == list.capacity) {
        size_t capacity = list.capacity ? list.capacity * 2 : 32;
        void *old = list.items_on_heap ? list.items : nullptr;
        auto *grown = static_cast<loaded_image *>(realloc(old, capacity * sizeof(loaded_image)));
        if (grown == nullptr) {
            walk.error = -ENOMEM;
            return 1;
        }
        if (!list.items_on_heap) memcpy(grown, list.items, list.count * sizeof(loaded_image));
        list.items_on_heap = true;
        list.items = grown;
        list.capacity = capacity;
    }
    loaded_image &image = list.items[list.count++];
    image = loaded_image{};
    describe(*info, image, walk.vdso_base);
    return 0;
}

}  // namespace

const char *dynamic_string(const loaded_image &image, uint64_t offset) {
    if (image.strings == nullptr || offset >= image.strings_size) return nullptr;
    // The table ends with NUL; a string must end inside it.
    if (memchr(image.strings + offset, '\0', image.strings_size - offset) == nullptr) return nullptr;
    return image.strings + offset;
}

long enumerate_loaded_images(image_list &list) {
    list.count = 0;
    enumeration walk{&list, static_cast<uintptr_t>(getauxval(AT_SYSINFO_EHDR)), 0};
    dl_iterate_phdr(add_image, &walk);
    return walk.error;
}

void release(image_list &list) {
    if (list.items_on_heap) free(list.items);
    list = image_list{};
}

}  // namespace sealkit::startup
