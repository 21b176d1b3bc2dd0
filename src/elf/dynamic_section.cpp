#include "elf/dynamic_section.h"

#include <elf.h>
#include <stddef.h>

#include "elf/byte_order.h"

namespace sealkit::elf {

dynamic_table::dynamic_table(const void *bytes, size_t size, bool is_64_bit, bool big_endian)
    : first_(static_cast<const unsigned char *>(bytes)),
      entry_size_(is_64_bit ? sizeof(Elf64_Dyn) : sizeof(Elf32_Dyn)),
      is_64_bit_(is_64_bit),
      big_endian_(big_endian) {
    if (first_ == nullptr) size = 0;
    const size_t whole = size / entry_size_;
    count_ = whole;
    dynamic_entry entry;
    for (size_t i = 0; i < whole; ++i) {
        get(i, &entry);
        if (entry.tag == DT_NULL) {
            count_ = i;
            terminated_ = true;
            break;
        }
    }
}

bool dynamic_table::get(size_t index, dynamic_entry *out) const {
    // While the constructor looks for DT_NULL, count_ is every whole entry.
    if (index >= count_) return false;
    const unsigned char *p = first_ + index * entry_size_;
    if (is_64_bit_) {
        out->tag = static_cast<int64_t>(load64(p + offsetof(Elf64_Dyn, d_tag), big_endian_));
        out->value = load64(p + offsetof(Elf64_Dyn, d_un), big_endian_);
    } else {
        out->tag = static_cast<int32_t>(load32(p + offsetof(Elf32_Dyn, d_tag), big_endian_));
        out->value = load32(p + offsetof(Elf32_Dyn, d_un), big_endian_);
    }
    return true;
}

bool dynamic_flags::binds_now() const {
    return bind_now_tag || (flags & DF_BIND_NOW) != 0 || (flags_1 & DF_1_NOW) != 0;
}

bool dynamic_flags::has_text_relocations() const { return textrel_tag || (flags & DF_TEXTREL) != 0; }

bool dynamic_flags::marked_pie() const { return (flags_1 & DF_1_PIE) != 0; }

dynamic_flags summarize(const dynamic_table &table) {
    dynamic_flags result;
    dynamic_entry entry;
    for (size_t i = 0; table.get(i, &entry); ++i) {
        switch (entry.tag) {
        case DT_BIND_NOW: result.bind_now_tag = true; break;
        case DT_TEXTREL: result.textrel_tag = true; break;
        case DT_FLAGS:
            result.has_flags = true;
            result.flags |= entry.value;
            break;
        case DT_FLAGS_1:
            result.has_flags_1 = true;
            result.flags_1 |= entry.value;
            break;
        case DT_NEEDED: ++result.needed; break;
        case DT_SONAME: result.has_soname = true; break;
        default: break;
        }
    }
    return result;
}

}  // namespace sealkit::elf
