#include "startup/startup_set.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "system/syscalls.h"

namespace sealkit::startup {
namespace {

// Whether a DT_NEEDED or LD_PRELOAD entry (a soname, a file name or a path)
// names this image.
bool names_image(const char *entry, size_t length, const loaded_image &image) {
    if (length == 0) return false;
    if (memchr(entry, '/', length) != nullptr)
        return strlen(image.name) == length && memcmp(image.name, entry, length) == 0;
    if (strlen(image.soname) == length && memcmp(image.soname, entry, length) == 0) return true;
    const char *base = file_name_of(image.name);
    return strlen(base) == length && memcmp(base, entry, length) == 0;
}

struct closure {
    const image_list &list;
    bool *permanent;
    size_t *queue;
    size_t queued = 0;

    void mark(size_t index) {
        if (permanent[index]) return;
        permanent[index] = true;
        queue[queued++] = index;
    }
    void mark_named(const char *entry, size_t length) {
        for (size_t i = 0; i < list.count; ++i)
            if (names_image(entry, length, list.items[i])) {
                mark(i);
                return;
            }
    }
    // LD_PRELOAD and /etc/ld.so.preload separate entries by spaces or colons
    // (the file also by newlines).
    void mark_list(const char *text, size_t length) {
        size_t at = 0;
        while (at < length) {
            while (at < length && strchr(" :\t\n", text[at])) ++at;
            size_t start = at;
            while (at < length && !strchr(" :\t\n", text[at])) ++at;
            mark_named(text + start, at - start);
        }
    }
    void follow_needed(const loaded_image &image) {
        if (image.dynamic == nullptr) return;
        for (auto *entry = static_cast<const ElfW(Dyn) *>(image.dynamic); entry->d_tag != DT_NULL; ++entry) {
            if (entry->d_tag != DT_NEEDED) continue;
            if (const char *name = dynamic_string(image, entry->d_un.d_val)) mark_named(name, strlen(name));
        }
    }
};

// Out of line, so its buffer takes stack only when the file exists: each
// stack page start-up sealing touches first is a page fault.
[[gnu::noinline]] void mark_preloads_read_from(int fd, closure &walk) {
    char text[4096];
    ssize_t length = read(fd, text, sizeof text);
    if (length > 0) walk.mark_list(text, static_cast<size_t>(length));
}

void mark_system_preloads(closure &walk) {
    int fd = open("/etc/ld.so.preload", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    mark_preloads_read_from(fd, walk);
    close(fd);
}

}  // namespace

void mark_permanent_images(const image_list &list, bool *permanent) {
    for (size_t i = 0; i < list.count; ++i) permanent[i] = false;
    // On the stack for ordinary programs: no malloc at start-up.
    size_t small_queue[32];
    size_t *queue = list.count < 32 ? small_queue
                                    : static_cast<size_t *>(malloc((list.count + 1) * sizeof(size_t)));
    if (queue == nullptr) return;  // nothing is known permanent: nothing unsafe gets sealed
    closure walk{list, permanent, queue};

    const uintptr_t interpreter = static_cast<uintptr_t>(getauxval(AT_BASE)) & ~(sys::page_size() - 1);
    for (size_t i = 0; i < list.count; ++i) {
        const loaded_image &image = list.items[i];
        if (image.is_main_program || image.is_vdso || image.flagged_nodelete ||
            (interpreter != 0 && image.span.start == interpreter))
            walk.mark(i);
    }
    if (const char *preload = secure_getenv("LD_PRELOAD")) walk.mark_list(preload, strlen(preload));
    mark_system_preloads(walk);
    // Breadth-first over DT_NEEDED from everything known permanent so far.
    for (size_t next = 0; next < walk.queued; ++next) walk.follow_needed(list.items[queue[next]]);
    if (queue != small_queue) free(queue);
}

}  // namespace sealkit::startup
