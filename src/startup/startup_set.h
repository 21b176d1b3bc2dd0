// Which loaded objects can never be unloaded, and so are safe to seal.
//
// An object dlopen'ed without RTLD_NODELETE must stay unsealed: dlclose
// unmaps it, and glibc ignores munmap's EPERM, which would leave a sealed
// corpse at that address. The objects the loader mapped before main are
// never unloaded: the executable, the closure of its DT_NEEDED entries,
// LD_PRELOAD and /etc/ld.so.preload libraries, and ld.so. This is computed
// from the objects' own dynamic sections, so it is right whenever it runs,
// including inside a library that was itself dlopen'ed.
#pragma once

#include "startup/loaded_image.h"

namespace sealkit::startup {

// Sets permanent[i] for each image that was loaded at program start or is
// flagged DF_1_NODELETE. permanent must have list.count entries.
void mark_permanent_images(const image_list &list, bool *permanent);

}  // namespace sealkit::startup
