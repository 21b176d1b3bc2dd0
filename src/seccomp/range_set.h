// A growing set of page ranges, kept sorted with touching ranges merged:
// what the seccomp backend has already enforced, so that a second seal of
// the same memory adds no filter and seal-state queries need no kernel.
//
//   range_set sealed;
//   sealed.add({start, end});
//   sealed.covers(start, end);         // true
//   sealed.missing_parts(r, out, n);    // the parts of r not yet in the set
//
// libc-only; the storage is anonymous memory mapped on demand and never
// freed (the set lives as long as the process).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "seccomp/seal_filter_compiler.h"

namespace sealkit::seccomp {

class range_set {
public:
    // Adds [range.start, range.end). False when memory ran out (nothing changed).
    bool add(address_range range);
    // True when every byte of [start, end) is in the set.
    bool covers(uint64_t start, uint64_t end) const;
    // Writes the parts of range that are not in the set, in order, to out;
    // returns how many there are (which may exceed capacity: then only the
    // first capacity were written).
    size_t missing_parts(address_range range, address_range *out, size_t capacity) const;

    range_list view() const { return {ranges_, count_}; }
    size_t size() const { return count_; }

private:
    bool reserve(size_t wanted);
    // The index of the first range that ends after address.
    size_t first_ending_after(uint64_t address) const;

    address_range *ranges_ = nullptr;
    size_t count_ = 0;
    size_t capacity_ = 0;
};

}  // namespace sealkit::seccomp
