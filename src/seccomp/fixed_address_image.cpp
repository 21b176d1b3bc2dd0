#include "seccomp/fixed_address_image.h"

#include <elf.h>
#include <link.h>
#include <sys/auxv.h>

namespace sealkit::seccomp {

// From the auxiliary vector, not dl_iterate_phdr: enforce() runs under its
// own lock and from the SIGSYS handler of mseal emulation, where taking the
// loader's lock could deadlock. The program headers lie inside the
// executable's first segment, so they sit at their link-time address
// exactly when the executable was mapped there (ET_EXEC): a PIE's p_vaddr
// values are offsets from a base far above them.
address_range fixed_address_image() {
    const auto *headers = reinterpret_cast<const ElfW(Phdr) *>(getauxval(AT_PHDR));
    const unsigned long count = getauxval(AT_PHNUM);
    if (headers == nullptr || count == 0) return {0, 0};
    const uint64_t at = reinterpret_cast<uintptr_t>(headers);
    bool linked_here = false;
    uint64_t low = UINT64_MAX, high = 0;
    for (unsigned long i = 0; i < count; ++i) {
        const ElfW(Phdr) &segment = headers[i];
        if (segment.p_type != PT_LOAD || segment.p_memsz == 0) continue;
        if (segment.p_vaddr <= at && at < segment.p_vaddr + segment.p_memsz) linked_here = true;
        if (segment.p_vaddr < low) low = segment.p_vaddr;
        if (segment.p_vaddr + segment.p_memsz > high) high = segment.p_vaddr + segment.p_memsz;
    }
    if (!linked_here || low >= high) return {0, 0};
    return {low & ~uint64_t{4095}, (high + 4095) & ~uint64_t{4095}};
}

}  // namespace sealkit::seccomp
