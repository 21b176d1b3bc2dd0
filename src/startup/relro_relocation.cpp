#include "startup/relro_relocation.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "system/syscalls.h"

namespace sealkit::startup {

relro_mover::relro_mover() = default;

relro_mover::~relro_mover() {
    if (self_memory_ >= 0) close(self_memory_);
}

long relro_mover::fill_read_only_copy(uintptr_t copy, uintptr_t source, size_t length) {
    if (!tried_self_memory_) {
        tried_self_memory_ = true;
        self_memory_ = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
    }
    if (self_memory_ >= 0) {
        ssize_t written = pwrite(self_memory_, reinterpret_cast<const void *>(source), length,
                                 static_cast<off_t>(copy));
        if (written == static_cast<ssize_t>(length)) return 0;
        close(self_memory_);  // refused here: do not try again
        self_memory_ = -1;
    }
    if (long result = sys::protect(copy, length, PROT_READ | PROT_WRITE)) return result;
    memcpy(reinterpret_cast<void *>(copy), reinterpret_cast<const void *>(source), length);
    return sys::protect(copy, length, PROT_READ);
}

// "[anon:sealkit-relro:libc.so.6]" in maps, so people and `sealkit status`
// can attribute the range. The kernel allows at most 80 bytes and rejects
// [ ] \ $ ` and unprintable characters: replace those. Needs
// CONFIG_ANON_VMA_NAME; without it the range is attributed by address.
void relro_mover::label(const loaded_image &image) {
    if (!can_label_) return;
    char text[80] = "sealkit-relro:";
    const char *base = file_name_of(image.name);
    size_t at = strlen(text);
    for (; *base && at < sizeof text - 1; ++base) {
        char c = *base;
        bool allowed = c > ' ' && c < 0x7f && !strchr("[]\\$`", c);
        text[at++] = allowed ? c : '_';
    }
    text[at] = '\0';
    if (sys::name_anonymous(image.relro.start, image.relro.length(), text) != 0) can_label_ = false;
}

long relro_mover::move_to_anonymous(const loaded_image &image) {
    if (image.relro.empty()) return 0;
    const size_t length = image.relro.length();
    uintptr_t copy = sys::map_anonymous(length, PROT_READ);
    if (sys::is_error(copy)) return sys::error_of(copy);
    long result = fill_read_only_copy(copy, image.relro.start, length);
    if (result == 0) result = sys::move_mapping(copy, length, image.relro.start);
    if (result != 0) {
        sys::unmap(copy, length);
        return result;
    }
    label(image);
    return 0;
}

}  // namespace sealkit::startup
