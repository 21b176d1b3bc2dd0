#include "elf/gnu_properties.h"

#include <elf.h>
#include <string.h>

#include "elf/byte_order.h"

namespace sealkit::elf {
namespace {

size_t round_up(size_t value, size_t to) { return (value + to - 1) & ~(to - 1); }

// The properties of one NT_GNU_PROPERTY_TYPE_0 descriptor.
void scan_properties(const unsigned char *p, size_t size, bool is_64_bit, bool big_endian, gnu_property_facts *facts) {
    const size_t pad = is_64_bit ? 8 : 4;
    size_t at = 0;
    while (at < size) {
        if (size - at < 8) {
            facts->malformed = true;
            return;
        }
        uint32_t type = load32(p + at, big_endian);
        uint32_t data_size = load32(p + at + 4, big_endian);
        if (data_size > size - at - 8) {
            facts->malformed = true;
            return;
        }
        if (type == kGnuPropertyMemorySeal) facts->memory_seal = true;
        size_t step = round_up(8 + static_cast<size_t>(data_size), pad);
        if (step > size - at) step = size - at;  // the last property's padding may be cut off
        at += step;
    }
}

}  // namespace

void scan_gnu_properties(const void *bytes, size_t size, uint64_t alignment, bool is_64_bit, bool big_endian,
                         gnu_property_facts *facts) {
    const auto *p = static_cast<const unsigned char *>(bytes);
    if (p == nullptr) return;
    const size_t pad = alignment == 8 ? 8 : 4;
    size_t at = 0;
    while (at < size) {
        if (size - at < 12) {
            facts->malformed = true;
            return;
        }
        uint32_t name_size = load32(p + at, big_endian);
        uint32_t descriptor_size = load32(p + at + 4, big_endian);
        uint32_t type = load32(p + at + 8, big_endian);
        size_t name_at = at + 12;
        if (name_size > size - name_at) {
            facts->malformed = true;
            return;
        }
        size_t descriptor_at = round_up(name_at + name_size, pad);
        if (descriptor_at > size || descriptor_size > size - descriptor_at) {
            facts->malformed = true;
            return;
        }
        if (type == NT_GNU_PROPERTY_TYPE_0 && name_size == 4 && memcmp(p + name_at, "GNU", 4) == 0) {
            facts->property_note = true;
            scan_properties(p + descriptor_at, descriptor_size, is_64_bit, big_endian, facts);
        }
        size_t next = round_up(descriptor_at + descriptor_size, pad);
        if (next > size) return;  // the last note's padding may be cut off
        at = next;
    }
}

}  // namespace sealkit::elf
