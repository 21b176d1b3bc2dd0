#include "seccomp/fixed_address_image.h"

#include <link.h>

namespace sealkit::seccomp {
namespace {

int measure_first_object(struct dl_phdr_info *info, size_t, void *context) {
    auto &span = *static_cast<address_range *>(context);
    // glibc lists the executable first; a load bias of 0 means it was
    // mapped at its link-time addresses, which only ET_EXEC is.
    if (info->dlpi_addr != 0) return 1;
    uint64_t low = UINT64_MAX, high = 0;
    for (ElfW(Half) i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr) &segment = info->dlpi_phdr[i];
        if (segment.p_type != PT_LOAD || segment.p_memsz == 0) continue;
        if (segment.p_vaddr < low) low = segment.p_vaddr;
        if (segment.p_vaddr + segment.p_memsz > high) high = segment.p_vaddr + segment.p_memsz;
    }
    if (low < high) span = {low & ~uint64_t{4095}, (high + 4095) & ~uint64_t{4095}};
    return 1;  // the first object only
}

}  // namespace

address_range fixed_address_image() {
    address_range span{0, 0};
    dl_iterate_phdr(measure_first_object, &span);
    return span;
}

}  // namespace sealkit::seccomp
