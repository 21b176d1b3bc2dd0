#include "preload/dlopen_search.h"

#include <dlfcn.h>
#include <link.h>
#include <stddef.h>
#include <string.h>
#include <sys/auxv.h>

namespace sealkit::preload {
namespace {

// The object that contains code address `at`; glibc falls back to the
// executable for an address in no object (JIT code, say), and so does this.
link_map *containing(const void *at) {
    Dl_info info;
    link_map *map = nullptr;
    if (dladdr1(at, &info, reinterpret_cast<void **>(&map), RTLD_DL_LINKMAP) == 0) return nullptr;
    return map;
}

link_map *object_at(const void *at) {
    if (link_map *map = containing(at)) return map;
    // The executable holds its own program headers (AT_PHDR). (_r_debug
    // would name it too, but would make the preload need ld.so.)
    return containing(reinterpret_cast<const void *>(getauxval(AT_PHDR)));
}

bool in_base_namespace(link_map *map) {
    Lmid_t namespace_id = -1;
    return dlinfo(map, RTLD_DI_LMID, &namespace_id) == 0 && namespace_id == LM_ID_BASE;
}

// glibc's search list for loader `map`, in buffer (false when it does not
// fit: the caller then assumes the lists differ).
union search_list {
    Dl_serinfo info;
    char bytes[4096];  // glibc's list for a usual system is under 200 bytes
};

bool read_search_list(link_map *map, search_list &list) {
    Dl_serinfo size;
    if (dlinfo(map, RTLD_DI_SERINFOSIZE, &size) != 0 || size.dls_size > sizeof list.bytes) return false;
    list.info.dls_size = size.dls_size;
    list.info.dls_cnt = size.dls_cnt;
    return dlinfo(map, RTLD_DI_SERINFO, &list.info) == 0;
}

// Whether directory `index` of the list already appeared before it.
bool repeated(const Dl_serpath *paths, unsigned index) {
    for (unsigned i = 0; i < index; ++i)
        if (strcmp(paths[i].dls_name, paths[index].dls_name) == 0) return true;
    return false;
}

// The same directories in the same order, each counted at its first
// appearance: glibc lists the executable's RPATH twice when it is on the
// loader chain, and searching a directory again finds nothing new.
bool same_directories(const Dl_serinfo &a, const Dl_serinfo &b) {
    // dls_serpath is declared with one element and holds dls_cnt.
    const Dl_serpath *ours = a.dls_serpath, *theirs = b.dls_serpath;
    unsigned i = 0, j = 0;
    for (;;) {
        while (i < a.dls_cnt && repeated(ours, i)) ++i;
        while (j < b.dls_cnt && repeated(theirs, j)) ++j;
        if (i == a.dls_cnt || j == b.dls_cnt) return i == a.dls_cnt && j == b.dls_cnt;
        if (strcmp(ours[i].dls_name, theirs[j].dls_name) != 0) return false;
        ++i;
        ++j;
    }
}

}  // namespace

bool searches_like_the_preload(const char *file, const void *caller) {
    link_map *self = object_at(reinterpret_cast<const void *>(&searches_like_the_preload));
    link_map *calling = object_at(caller);
    if (calling == nullptr || self == nullptr) return false;  // cannot tell: leave the lookup to glibc
    if (calling == self) return true;
    // dlopen puts the new object in the caller's namespace, whatever the name.
    if (!in_base_namespace(calling)) return false;
    // "$ORIGIN" and friends expand relative to the caller.
    if (strchr(file, '$') != nullptr) return false;
    // A path is opened as it is: no search.
    if (strchr(file, '/') != nullptr) return true;
    search_list callers, ours;
    return read_search_list(calling, callers) && read_search_list(self, ours) &&
           same_directories(callers.info, ours.info);
}

}  // namespace sealkit::preload
