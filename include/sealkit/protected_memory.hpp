// protected_memory.hpp: write-once-then-seal data for C++.
//
// Threat model: see protected_memory.h. In short, a protected_memory<T> is
// read-only except inside a writer scope, and after freeze() it is
// read-only *and sealed*: no write primitive can change it and no
// memory-management system call can make it writable again. Unlike
// Chromium's base::ProtectedMemory, which toggles mprotect forever and so
// can never be sealed, a frozen protected_memory<T> is final. Writes
// through /proc/self/mem or ptrace are not stopped.
//
// Example:
//
//     struct dispatch { void (*on_login)(); void (*on_logout)(); };
//     SEALKIT_PROTECTED_GLOBAL(dispatch, g_dispatch);   // zero-initialised
//
//     void configure() {
//         auto w = g_dispatch.make_writable();          // pages writable...
//         w->on_login = &audit_login;
//         w->on_logout = &audit_logout;
//     }                                                 // ...read-only again
//     configure();
//     if (auto ec = g_dispatch.freeze()) die(ec);       // read-only and sealed
//     g_dispatch->on_login();                           // reads cost nothing extra
//
// Misuse is loud: make_writable() on frozen data aborts with a message; a
// write outside a writer scope faults (SIGSEGV). freeze() while a writer
// scope is open returns std::errc::device_or_resource_busy; freezing twice
// is a no-op.
//
// sealkit_freeze_protected_data() freezes every protected global of every
// loaded object and every create()d instance in one step.
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <system_error>
#include <type_traits>
#include <utility>

#include "sealkit/protected_memory.h"

namespace sealkit {

template <typename T>
class alignas(SEALKIT_PROTECTED_ALIGNMENT) protected_memory {
    static_assert(std::is_trivially_destructible_v<T>,
                  "protected_memory<T> lives as long as the process: T must be trivially destructible");

public:
    // An open writer scope: the pages stay writable until the last writer
    // of this protected_memory is destroyed.
    class writer {
    public:
        T &operator*() const noexcept { return owner_->value_; }
        T *operator->() const noexcept { return &owner_->value_; }
        writer(writer &&other) noexcept : owner_(std::exchange(other.owner_, nullptr)) {}
        writer(const writer &) = delete;
        writer &operator=(const writer &) = delete;
        writer &operator=(writer &&) = delete;
        ~writer() {
            if (owner_ != nullptr && sealkit_protected_end_write(owner_, sizeof(protected_memory)) != 0)
                fail("cannot end the writer scope of", owner_);
        }

    private:
        friend class protected_memory;
        explicit writer(protected_memory *owner) : owner_(owner) {}
        protected_memory *owner_;
    };

    constexpr protected_memory() = default;
    template <typename... Args>
    constexpr explicit protected_memory(std::in_place_t, Args &&...args) : value_(std::forward<Args>(args)...) {}
    constexpr protected_memory(const T &value) : value_(value) {}  // NOLINT: as T would be initialised

    protected_memory(const protected_memory &) = delete;
    protected_memory &operator=(const protected_memory &) = delete;

    // Reads: a plain load from the protected pages.
    const T &operator*() const noexcept { return value_; }
    const T *operator->() const noexcept { return &value_; }
    const T &get() const noexcept { return value_; }

    // Opens a writer scope. Aborts with a message if the data is frozen.
    [[nodiscard]] writer make_writable() {
        if (sealkit_protected_begin_write(this, sizeof(protected_memory)) != 0)
            fail(errno == EPERM ? "cannot write frozen" : "cannot open a writer scope on", this);
        return writer(this);
    }

    // Read-only and sealed, for good. Idempotent.
    [[nodiscard]] std::error_code freeze() noexcept {
        if (sealkit_protected_freeze(this, sizeof(protected_memory)) == 0) return {};
        return {errno, std::generic_category()};
    }

    [[nodiscard]] bool frozen() const noexcept {
        return sealkit_protected_is_frozen(this, sizeof(protected_memory)) == 1;
    }

    // A protected_memory made at run time, in pages of its own that
    // sealkit_freeze_protected_data() also freezes. It is never freed.
    // nullptr with errno set on failure.
    template <typename... Args>
    [[nodiscard]] static protected_memory *create(Args &&...args) {
        void *pages = sealkit_protected_allocate(sizeof(protected_memory));
        if (pages == nullptr) return nullptr;
        if (sealkit_protected_begin_write(pages, sizeof(protected_memory)) != 0) return nullptr;
        auto *made = ::new (pages) protected_memory(std::in_place, std::forward<Args>(args)...);
        sealkit_protected_end_write(pages, sizeof(protected_memory));
        return made;
    }

private:
    [[noreturn]] static void fail(const char *what, const void *where) {
        std::fprintf(stderr, "sealkit: %s protected_memory at %p (%s)\n", what, where, std::strerror(errno));
        std::abort();
    }

    T value_{};
};

}  // namespace sealkit

// Defines a protected global in its object's sealkit_protected section, in
// pages of its own, constant-initialised (no code writes it before main):
//     SEALKIT_PROTECTED_GLOBAL(config, g_config, config{.require_tls = 1});
#define SEALKIT_PROTECTED_GLOBAL(type, name, ...) \
    SEALKIT_PROTECTED_ANNOUNCE_SECTION;           \
    SEALKIT_PROTECTED_IN_SECTION constinit ::sealkit::protected_memory<type> name{__VA_ARGS__}
