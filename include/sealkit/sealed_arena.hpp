// sealed_arena.hpp: the sealed arena for C++ (see sealed_arena.h for the
// threat model: bump allocation, then read-only and sealed for good).
//
//     sealkit::sealed_arena arena;
//     auto *table = arena.make<route_table>(parse_routes(file));
//     if (auto ec = arena.freeze()) die(ec);   // table is now immutable
//
// Objects made in an arena are never destroyed (the memory is never
// returned), so T must be trivially destructible. An arena object is a
// handle: the arena itself lives as long as the process.
#pragma once

#include <cerrno>
#include <cstddef>
#include <new>
#include <system_error>
#include <type_traits>
#include <utility>

#include "sealkit/sealed_arena.h"

namespace sealkit {

class sealed_arena {
public:
    struct options {
        std::size_t chunk_size = 0;  // 0: 256 KiB
        bool lock_in_memory = false; // mlock
        bool dont_dump = false;      // MADV_DONTDUMP
        bool wipe_on_fork = false;   // MADV_WIPEONFORK
    };

    sealed_arena() noexcept : sealed_arena(options{}) {}
    explicit sealed_arena(const options &choice) noexcept {
        sealkit_arena_options c{choice.chunk_size,
                                (choice.lock_in_memory ? unsigned{SEALKIT_ARENA_LOCK} : 0u) |
                                    (choice.dont_dump ? unsigned{SEALKIT_ARENA_DONT_DUMP} : 0u) |
                                    (choice.wipe_on_fork ? unsigned{SEALKIT_ARENA_WIPE_ON_FORK} : 0u)};
        arena_ = sealkit_arena_create(&c);
    }
    sealed_arena(const sealed_arena &) = delete;
    sealed_arena &operator=(const sealed_arena &) = delete;

    explicit operator bool() const noexcept { return arena_ != nullptr; }

    // size bytes at align, zero-filled; nullptr with errno set on failure.
    [[nodiscard]] void *allocate(std::size_t size, std::size_t align = alignof(std::max_align_t)) noexcept {
        return arena_ ? sealkit_arena_allocate(arena_, size, align) : nullptr;
    }

    // Constructs a T in the arena; nullptr (errno set) when out of memory.
    template <typename T, typename... Args>
    [[nodiscard]] T *make(Args &&...args) {
        static_assert(std::is_trivially_destructible_v<T>,
                      "objects in a sealed arena are never destroyed: T must be trivially destructible");
        void *memory = allocate(sizeof(T), alignof(T));
        return memory ? ::new (memory) T(std::forward<Args>(args)...) : nullptr;
    }

    // Everything allocated so far becomes read-only and sealed.
    [[nodiscard]] std::error_code freeze() noexcept {
        if (arena_ != nullptr && sealkit_arena_freeze(arena_) == 0) return {};
        return {arena_ ? errno : ENOMEM, std::generic_category()};
    }

    [[nodiscard]] sealkit_arena_stats stats() const noexcept {
        sealkit_arena_stats s{};
        if (arena_) sealkit_arena_get_stats(arena_, &s);
        return s;
    }

    // The C handle, for sharing the arena with C code.
    [[nodiscard]] sealkit_arena *handle() const noexcept { return arena_; }

private:
    sealkit_arena *arena_ = nullptr;
};

}  // namespace sealkit
