#include "seccomp/range_set.h"

#include <string.h>
#include <sys/mman.h>

#include "system/syscalls.h"

namespace sealkit::seccomp {

bool range_set::reserve(size_t wanted) {
    if (wanted <= capacity_) return true;
    size_t capacity = capacity_ == 0 ? 256 : capacity_ * 2;
    while (capacity < wanted) capacity *= 2;
    const size_t bytes = (capacity * sizeof(address_range) + 4095) & ~size_t{4095};
    const uintptr_t memory = sys::map_anonymous(bytes, PROT_READ | PROT_WRITE);
    if (sys::is_error(memory)) return false;
    auto *fresh = reinterpret_cast<address_range *>(memory);
    if (count_ != 0) memcpy(fresh, ranges_, count_ * sizeof(address_range));
    if (ranges_ != nullptr)
        sys::unmap(reinterpret_cast<uintptr_t>(ranges_), (capacity_ * sizeof(address_range) + 4095) & ~size_t{4095});
    ranges_ = fresh;
    capacity_ = bytes / sizeof(address_range);
    return true;
}

size_t range_set::first_ending_after(uint64_t address) const {
    size_t low = 0, high = count_;
    while (low < high) {
        const size_t middle = low + (high - low) / 2;
        if (ranges_[middle].end <= address)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

bool range_set::add(address_range range) {
    if (range.start >= range.end) return true;
    // Ranges that overlap or touch [start, end) merge with it.
    size_t first = first_ending_after(range.start);
    if (first > 0 && ranges_[first - 1].end == range.start) --first;
    size_t last = first;
    while (last < count_ && ranges_[last].start <= range.end) ++last;
    if (first < last) {
        if (ranges_[first].start < range.start) range.start = ranges_[first].start;
        if (ranges_[last - 1].end > range.end) range.end = ranges_[last - 1].end;
        ranges_[first] = range;
        memmove(ranges_ + first + 1, ranges_ + last, (count_ - last) * sizeof(address_range));
        count_ -= last - first - 1;
        return true;
    }
    if (!reserve(count_ + 1)) return false;
    memmove(ranges_ + first + 1, ranges_ + first, (count_ - first) * sizeof(address_range));
    ranges_[first] = range;
    ++count_;
    return true;
}

bool range_set::covers(uint64_t start, uint64_t end) const {
    if (start >= end) return true;
    const size_t i = first_ending_after(start);
    return i < count_ && ranges_[i].start <= start && ranges_[i].end >= end;
}

size_t range_set::missing_parts(address_range range, address_range *out, size_t capacity) const {
    size_t found = 0;
    uint64_t cursor = range.start;
    for (size_t i = first_ending_after(range.start); i < count_ && ranges_[i].start < range.end; ++i) {
        if (ranges_[i].start > cursor) {
            if (found < capacity) out[found] = {cursor, ranges_[i].start};
            ++found;
        }
        cursor = ranges_[i].end;
        if (cursor >= range.end) return found;
    }
    if (cursor < range.end) {
        if (found < capacity) out[found] = {cursor, range.end};
        ++found;
    }
    return found;
}

}  // namespace sealkit::seccomp
