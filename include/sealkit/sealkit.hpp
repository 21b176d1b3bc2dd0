// sealkit.hpp: memory sealing for C++ programs.
//
// The same operations as sealkit.h, with errors as std::error_code (generic
// category, the kernel's errno values) and ranges as std::span. Read the
// threat model at the top of sealkit.h: a seal freezes the *mapping*
// (protection, placement, existence), not the bytes of writable pages, and
// it does not stop writes through /proc/self/mem or ptrace.
//
// Example: a table of handlers that nobody can make writable again
//
//     sealkit::region table(sizeof(handlers));     // fresh read-write pages
//     std::memcpy(table.data(), &handlers, sizeof(handlers));
//     if (auto ec = table.seal_read_only())          // read-only, then sealed
//         die(ec.message());
//     // table now belongs to the process: its destructor leaves it mapped.
//
// Header-only on purpose: libsealkit.so stays free of libstdc++, so C
// programs that link it pull in nothing but libc.
#pragma once

#include <sys/mman.h>

#include <cerrno>
#include <cstddef>
#include <span>
#include <string_view>
#include <system_error>
#include <utility>

#include "sealkit/sealkit.h"

namespace sealkit {

enum class backend_kind {
    none = SEALKIT_BACKEND_NONE,
    kernel = SEALKIT_BACKEND_KERNEL,
    seccomp = SEALKIT_BACKEND_SECCOMP,
};

namespace detail {
inline std::error_code last_error() noexcept { return {errno, std::generic_category()}; }
inline std::error_code result_of(int status) noexcept { return status == 0 ? std::error_code{} : last_error(); }
}  // namespace detail

// mseal(2)'s contract: see sealkit_seal() in sealkit.h for every errno.
[[nodiscard]] inline std::error_code seal(void *addr, std::size_t len, unsigned long flags = 0) noexcept {
    return detail::result_of(sealkit_seal(addr, len, flags));
}
[[nodiscard]] inline std::error_code seal(std::span<std::byte> range) noexcept {
    return seal(range.data(), range.size());
}

// OpenBSD's mimmutable(2) contract: see sealkit_mimmutable().
[[nodiscard]] inline std::error_code mimmutable(void *addr, std::size_t len) noexcept {
    return detail::result_of(sealkit_mimmutable(addr, len));
}
[[nodiscard]] inline std::error_code mimmutable(std::span<std::byte> range) noexcept {
    return mimmutable(range.data(), range.size());
}

// Never unmapped, moved or replaced; mprotect still works: see sealkit_pin().
[[nodiscard]] inline std::error_code pin(void *addr, std::size_t len) noexcept {
    return detail::result_of(sealkit_pin(addr, len));
}

// A seal that also refuses every discard madvise: see sealkit_seal_strict().
[[nodiscard]] inline std::error_code seal_strict(void *addr, std::size_t len, unsigned long flags = 0) noexcept {
    return detail::result_of(sealkit_seal_strict(addr, len, flags));
}

// Whether every page of the range is sealed. On error (a hole: ENOMEM,
// bad arguments: EINVAL) returns false and sets ec, as std::filesystem does.
[[nodiscard]] inline bool is_sealed(const void *addr, std::size_t len, std::error_code &ec) noexcept {
    int answer = sealkit_is_sealed(addr, len);
    ec = answer < 0 ? detail::last_error() : std::error_code{};
    return answer == 1;
}
[[nodiscard]] inline bool is_sealed(std::span<const std::byte> range, std::error_code &ec) noexcept {
    return is_sealed(range.data(), range.size(), ec);
}

// Which loaded images seal_images() seals, and how: enum sealkit_image_flags
// of sealkit.h. Combine with |, as in image_flags::vdso | image_flags::relro_file.
enum class image_flags : unsigned {
    defaults = 0,
    vdso = SEALKIT_SEAL_VDSO,                // also seal [vdso] and [vvar]
    only_marked = SEALKIT_ONLY_MARKED,       // glibc's opt-in rule: GNU_PROPERTY_MEMORY_SEAL
    relro_file = SEALKIT_RELRO_FILE,         // leave RELRO file-backed (discardable)
    skip_sealed = SEALKIT_SKIP_SEALED,       // skip objects an earlier call sealed
};
[[nodiscard]] constexpr image_flags operator|(image_flags a, image_flags b) noexcept {
    return static_cast<image_flags>(static_cast<unsigned>(a) | static_cast<unsigned>(b));
}

// Seals every ELF image the loader has loaded (the executable, its
// libraries, ld.so), for programs that seal once their own initialisation
// is done: see sealkit_seal_images() in sealkit.h for what is sealed and
// every errno. The report, if given, says per object what was sealed or
// skipped and why; report_images() views its entries as a span.
//
//     // at the end of start-up, before serving requests:
//     sealkit_report report;
//     if (auto ec = sealkit::seal_images(sealkit::image_flags::defaults, report))
//         log("not sealed: {}", ec.message());   // function_not_supported: no backend
[[nodiscard]] inline std::error_code seal_images(image_flags flags, sealkit_report &report) noexcept {
    const sealkit_options options{static_cast<unsigned>(flags)};
    return detail::result_of(sealkit_seal_images(&options, &report));
}
[[nodiscard]] inline std::error_code seal_images(image_flags flags = image_flags::defaults) noexcept {
    const sealkit_options options{static_cast<unsigned>(flags)};
    return detail::result_of(sealkit_seal_images(&options, nullptr));
}
// The report's per-object entries (valid until the next seal_images call).
[[nodiscard]] inline std::span<const sealkit_image_report> report_images(const sealkit_report &report) noexcept {
    return {report.image, report.images};
}

[[nodiscard]] inline backend_kind active_backend() noexcept { return static_cast<backend_kind>(sealkit_backend()); }
[[nodiscard]] inline std::string_view backend_name() noexcept { return sealkit_backend_name(); }
[[nodiscard]] inline std::string_view backend_reason() noexcept { return sealkit_backend_reason(); }
[[nodiscard]] inline std::string_view version() noexcept { return sealkit_version(); }

// A private anonymous mapping that this object owns until it is sealed.
// Before the seal it is ordinary memory: write it, resize nothing, and the
// destructor unmaps it. After seal() or seal_read_only() succeeds the pages
// belong to the process for its lifetime (the kernel will never let them be
// unmapped); the destructor then leaves them alone, and data() stays valid
// forever.
class region {
public:
    region() noexcept = default;

    // Maps size bytes (rounded up to pages) of zeroed read-write memory.
    // On failure the region is empty and error() says why.
    explicit region(std::size_t size) noexcept {
        void *mapped = sealkit_map_private(size);
        if (mapped == nullptr) {
            error_ = detail::last_error();
            return;
        }
        data_ = static_cast<std::byte *>(mapped);
        size_ = size;
    }

    region(region &&other) noexcept
        : data_(std::exchange(other.data_, nullptr)),
          size_(std::exchange(other.size_, 0)),
          sealed_(std::exchange(other.sealed_, false)),
          read_only_(std::exchange(other.read_only_, false)),
          error_(other.error_) {}

    region &operator=(region &&other) noexcept {
        if (this != &other) {
            release();
            data_ = std::exchange(other.data_, nullptr);
            size_ = std::exchange(other.size_, 0);
            sealed_ = std::exchange(other.sealed_, false);
            read_only_ = std::exchange(other.read_only_, false);
            error_ = other.error_;
        }
        return *this;
    }

    region(const region &) = delete;
    region &operator=(const region &) = delete;
    ~region() { release(); }

    [[nodiscard]] std::byte *data() const noexcept { return data_; }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] std::span<std::byte> bytes() const noexcept { return {data_, size_}; }
    [[nodiscard]] bool sealed() const noexcept { return sealed_; }
    // Why the mapping could not be made, or a default error_code.
    [[nodiscard]] std::error_code error() const noexcept { return error_; }
    explicit operator bool() const noexcept { return data_ != nullptr; }

    // Seals the pages with their current protection (read-write stays
    // writable, but can never be unmapped, moved or re-protected).
    [[nodiscard]] std::error_code seal() noexcept {
        if (data_ == nullptr) return std::make_error_code(std::errc::bad_address);
        std::error_code ec = sealkit::seal(data_, size_);
        if (!ec) sealed_ = true;
        return ec;
    }

    // Makes the pages read-only, then seals them: the usual end state for
    // configuration and function-pointer tables. Calling it again is a
    // no-op; after a plain seal() the pages can never become read-only, so
    // it fails with EPERM (operation_not_permitted) rather than pretend.
    [[nodiscard]] std::error_code seal_read_only() noexcept {
        if (data_ == nullptr) return std::make_error_code(std::errc::bad_address);
        if (sealed_) return read_only_ ? std::error_code{} : std::make_error_code(std::errc::operation_not_permitted);
        if (sealkit_protect(data_, size_, PROT_READ) != 0) return detail::last_error();
        read_only_ = true;
        return seal();
    }

private:
    void release() noexcept {
        if (data_ != nullptr && !sealed_) sealkit_unmap(data_, size_);
        data_ = nullptr;
        size_ = 0;
        sealed_ = false;
        read_only_ = false;
    }

    std::byte *data_ = nullptr;
    std::size_t size_ = 0;
    bool sealed_ = false;
    bool read_only_ = false;
    std::error_code error_{};
};

}  // namespace sealkit
