#include "startup/relro_relocation.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "system/syscalls.h"

namespace sealkit::startup {
namespace {

size_t copy_length(const image_list &list, const bool *wanted, size_t index) {
    return wanted[index] ? list.items[index].relro.length() : 0;
}

// Fills the copies through /proc/self/mem, whose writes ignore the page
// protection: up to kPieces objects per pwritev (one for any ordinary
// program). 0, or -errno when the kernel refused (nothing is then relied on).
long write_through_self_memory(const image_list &list, const bool *wanted, uintptr_t copies) {
    int self_memory = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
    if (self_memory < 0) return -errno;
    constexpr int kPieces = 32;
    iovec pieces[kPieces];
    int count = 0;
    size_t batch = 0;
    uintptr_t at = copies;
    long result = 0;
    for (size_t i = 0; i <= list.count && result == 0; ++i) {
        const bool last = i == list.count;
        if (!last) {
            const size_t length = copy_length(list, wanted, i);
            if (length == 0) continue;
            pieces[count++] = {reinterpret_cast<void *>(list.items[i].relro.start), length};
            batch += length;
        }
        if (count == kPieces || (last && count != 0)) {
            ssize_t written = pwritev(self_memory, pieces, count, static_cast<off_t>(at));
            if (written != static_cast<ssize_t>(batch)) result = written < 0 ? -errno : -EIO;
            at += batch;
            count = 0;
            batch = 0;
        }
    }
    close(self_memory);
    return result;
}

long copy_then_protect(const image_list &list, const bool *wanted, uintptr_t copies, size_t total) {
    if (long result = sys::protect(copies, total, PROT_READ | PROT_WRITE)) return result;
    uintptr_t at = copies;
    for (size_t i = 0; i < list.count; ++i) {
        const size_t length = copy_length(list, wanted, i);
        if (length == 0) continue;
        memcpy(reinterpret_cast<void *>(at), reinterpret_cast<const void *>(list.items[i].relro.start), length);
        at += length;
    }
    return sys::protect(copies, total, PROT_READ);
}

}  // namespace

relro_mover::~relro_mover() {
    if (copies_ != 0) skip_to(list_->count);
}

long relro_mover::copy_all(const image_list &list, const bool *wanted) {
    list_ = &list;
    wanted_ = wanted;
    size_t total = 0;
    for (size_t i = 0; i < list.count; ++i) total += copy_length(list, wanted, i);
    if (total == 0) return 0;
    uintptr_t copies = sys::map_anonymous(total, PROT_READ);
    if (sys::is_error(copies)) return copy_error_ = sys::error_of(copies);
    long result = write_through_self_memory(list, wanted, copies);
    if (result != 0) result = copy_then_protect(list, wanted, copies, total);
    if (result != 0) {
        sys::unmap(copies, total);
        return copy_error_ = result;
    }
    copies_ = copies;
    return 0;
}

// Unmaps the copies of the wanted images before index that were not moved
// (an earlier step of theirs failed), one by one: the holes the moved ones
// left may hold other mappings by now.
void relro_mover::skip_to(size_t index) {
    for (; next_ < index; ++next_) {
        const size_t length = copy_length(*list_, wanted_, next_);
        if (length == 0) continue;
        sys::unmap(copies_ + next_offset_, length);
        next_offset_ += length;
    }
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
    if (copy_error_ != 0) return copy_error_;
    const size_t index = list_ ? static_cast<size_t>(&image - list_->items) : SIZE_MAX;
    if (copies_ == 0 || index >= list_->count || index < next_ || !wanted_[index]) return -EINVAL;
    skip_to(index);
    const size_t length = image.relro.length();
    const uintptr_t copy = copies_ + next_offset_;
    next_ = index + 1;
    next_offset_ += length;
    if (long result = sys::move_mapping(copy, length, image.relro.start)) {
        sys::unmap(copy, length);
        return result;
    }
    label(image);
    return 0;
}

}  // namespace sealkit::startup
