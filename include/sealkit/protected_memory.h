/*
 * protected_memory.h: data that is written during initialisation and then
 * frozen: read-only and sealed for the life of the process.
 *
 * Threat model
 * ------------
 * For security-critical data that is set up once: function-pointer tables,
 * CFI metadata, configuration, policy flags. An attacker with a write
 * primitive cannot overwrite it (its pages are read-only except inside a
 * writer scope), and an attacker who can also issue memory-management
 * system calls cannot make it writable again once it is frozen: freezing
 * makes it read-only and seals it, so mprotect, munmap, mremap and
 * mmap(MAP_FIXED) over it all fail with EPERM.
 *
 * Not protected against: writes inside an open writer scope (keep them
 * short), writes through /proc/self/mem or ptrace, and anything before the
 * freeze that can also call mprotect. Frozen data can never change again,
 * not even by the program: freeze only what lives as long as the process.
 *
 * Use (C)
 * -------
 *     struct config { int require_tls; int max_attempts; };
 *     SEALKIT_PROTECTED(struct config, config) = {{1, 3}};  // .value = {1, 3}
 *
 *     // at start-up, while configuring:
 *     if (sealkit_protected_begin_write(&config, sizeof config) == 0) {
 *         config.value.max_attempts = 5;
 *         sealkit_protected_end_write(&config, sizeof config);
 *     }
 *     // once configured, freeze every protected global of every object:
 *     sealkit_freeze_protected_data();
 *
 * SEALKIT_PROTECTED(type, name) defines `name` with a `value` member of
 * `type`, in its own whole pages of the object's `sealkit_protected`
 * section. Each object that defines one announces its section in an ELF
 * note, so sealkit finds every object's protected data without guessing,
 * startup sealing leaves it for the freeze, and the pages are read-only
 * from the moment the object is initialised.
 * C++ programs use sealkit::protected_memory<T> (protected_memory.hpp).
 */
#ifndef SEALKIT_PROTECTED_MEMORY_H
#define SEALKIT_PROTECTED_MEMORY_H

#include <stddef.h>

#include "sealkit/sealkit.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Protected data is padded to the largest page size of the architecture, so
 * that changing its protection never touches a neighbour. */
#if defined(__aarch64__) || defined(__powerpc64__) || defined(__loongarch__)
#define SEALKIT_PROTECTED_ALIGNMENT 65536
#else
#define SEALKIT_PROTECTED_ALIGNMENT 4096
#endif

/* Opens a writer scope on [addr, addr + len): the pages become writable
 * until the last writer of that range calls sealkit_protected_end_write.
 * -1 with errno EPERM once the range is frozen, EINVAL if it is not page
 * aligned. Thread-safe; scopes may nest. */
SEALKIT_API int sealkit_protected_begin_write(void *addr, size_t len);
SEALKIT_API int sealkit_protected_end_write(void *addr, size_t len);

/* Makes [addr, addr + len) read-only and seals it, for good. 0 when frozen
 * (also when it already was); -1 with errno EBUSY while a writer scope is
 * open on it, or the errno of the seal (ENOSYS: no backend). */
SEALKIT_API int sealkit_protected_freeze(void *addr, size_t len);

/* Whether [addr, addr + len) has been frozen by sealkit: 1 or 0. */
SEALKIT_API int sealkit_protected_is_frozen(const void *addr, size_t len);

/* Fresh protected memory made at run time: len bytes (rounded up to pages)
 * of zeroed, read-only pages that sealkit_freeze_protected_data() freezes
 * too. NULL with errno set on failure. */
SEALKIT_API void *sealkit_protected_allocate(size_t len);

/* Freezes every protected global of every loaded object that can never be
 * unloaded (the executable, its DT_NEEDED libraries, preloads, and objects
 * flagged or dlopen'ed RTLD_NODELETE) and every sealkit_protected_allocate()
 * block. A plugin dlopen'ed without RTLD_NODELETE is left alone, since a
 * sealed section would stop dlclose from unmapping it: freeze its data
 * with sealkit_protected_freeze() once it is made permanent. 0, or -1 with
 * errno of the first failure (EBUSY: a writer scope is open). */
SEALKIT_API int sealkit_freeze_protected_data(void);

/* Called once per object at load time (from the object's own init_array
 * entry that SEALKIT_PROTECTED emits): makes its section read-only. */
SEALKIT_API void sealkit_protected_lock_section(void *start, void *stop);

#ifdef __cplusplus
} /* extern "C" */
#endif

/*
 * What SEALKIT_PROTECTED emits, once per linked object: everything below
 * sits in one COMDAT group, so however many translation units define
 * protected data, the linker keeps one translation unit's copy (a unit that
 * uses the macro twice contributes two identical notes and hooks, which are
 * harmless: the lock is idempotent and the notes agree) of
 *  - an ELF note "sealkit"/0x53504d31 in PT_NOTE whose descriptor holds the
 *    link-time, PC-relative offsets of __start_/__stop_sealkit_protected:
 *    the section can be found from the program headers alone, and no
 *    dynamic relocation is needed;
 *  - a three-instruction hook, and an init_array entry that runs it when
 *    the object is initialised: it hands the section to
 *    sealkit_protected_lock_section, which makes it read-only.
 * Use the macro at file scope only.
 */
#define SEALKIT_PROTECTED_NOTE_TYPE 0x53504d31

#if defined(__x86_64__)
#define SEALKIT_PROTECTED_HOOK_CODE                         \
    "endbr64\n"                                             \
    "lea __start_sealkit_protected(%rip), %rdi\n"           \
    "lea __stop_sealkit_protected(%rip), %rsi\n"            \
    "jmp sealkit_protected_lock_section@PLT\n"
#define SEALKIT_PROTECTED_POINTER ".quad"
#elif defined(__aarch64__)
#define SEALKIT_PROTECTED_HOOK_CODE                                      \
    "bti c\n"                                                            \
    "adrp x0, __start_sealkit_protected\n"                               \
    "add x0, x0, :lo12:__start_sealkit_protected\n"                      \
    "adrp x1, __stop_sealkit_protected\n"                                \
    "add x1, x1, :lo12:__stop_sealkit_protected\n"                       \
    "b sealkit_protected_lock_section\n"
#define SEALKIT_PROTECTED_POINTER ".quad"
#else
#error "sealkit protected memory supports x86_64 and aarch64"
#endif

#define SEALKIT_PROTECTED_ANNOUNCE_SECTION                                                       \
    __asm__(".pushsection .note.sealkit.protected,\"aG\",@note,sealkit_protected_group,comdat\n" \
            ".balign 4\n"                                                                        \
            ".long 8\n.long 8\n.long 0x53504d31\n"                                               \
            ".asciz \"sealkit\"\n"                                                               \
            ".balign 4\n"                                                                        \
            ".hidden __start_sealkit_protected\n"                                                \
            ".hidden __stop_sealkit_protected\n"                                                 \
            "7771: .long __start_sealkit_protected - 7771b\n"                                    \
            "7772: .long __stop_sealkit_protected - 7772b\n"                                     \
            ".popsection\n"                                                                      \
            ".pushsection .text.sealkit_protected_lock,\"axG\",@progbits,sealkit_protected_group,comdat\n" \
            "7773:\n" SEALKIT_PROTECTED_HOOK_CODE                                                \
            ".popsection\n"                                                                      \
            ".pushsection .init_array,\"awG\",@init_array,sealkit_protected_group,comdat\n"      \
            ".balign 8\n" SEALKIT_PROTECTED_POINTER " 7773b\n"                                   \
            ".popsection\n")

#define SEALKIT_PROTECTED_IN_SECTION __attribute__((section("sealkit_protected"), used))

/* Defines a protected global `name` holding a `type` in `name.value`. */
#define SEALKIT_PROTECTED(type, name)                              \
    SEALKIT_PROTECTED_ANNOUNCE_SECTION;                            \
    SEALKIT_PROTECTED_IN_SECTION struct sealkit_protected_##name { \
        _Alignas(SEALKIT_PROTECTED_ALIGNMENT) type value;          \
    } name

#endif /* SEALKIT_PROTECTED_MEMORY_H */
