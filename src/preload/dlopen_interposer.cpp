// The preload's dlopen, dlmopen and dlclose: how objects opened after
// start-up reach late sealing (dlopen_policy.h).
//
// glibc's dlopen takes the calling object from its own return address
// (namespace, "$ORIGIN", RUNPATH/RPATH search), so the exported dlopen is a
// few instructions of assembly that ask route_dlopen where to go and then
// *jump* there with the program's return address still on the stack:
//   - to dlopen_through(), which calls the real dlopen (so the preload is
//     the caller) and seals what it returned, when that cannot change which
//     file is found (dlopen_search.h): a path, or a name the caller would
//     search for in the same directories;
//   - else straight to glibc's dlopen, a true tail call, so the lookup is
//     exactly the program's; what it loaded is sealed at the next dlopen or
//     dlclose through the preload (dlopen_catch_up.h).
// dlopen(NULL), failed calls and RTLD_NOLOAD calls that find nothing are
// left as they are, and dlerror() still reports the real error.
//
// dlmopen is passed on unchanged (a tail call too) and what it opens is
// never sealed: another namespace has its own copy of libc and of every
// library, outside the preload's reach. dlclose first catches up.
#include <dlfcn.h>
#include <errno.h>
#include <string.h>

#include "preload/dlopen_catch_up.h"
#include "preload/dlopen_policy.h"
#include "preload/dlopen_search.h"

using sealkit::preload::late_policy;
using sealkit::preload::real_loader;

extern "C" {

// Where the exported dlopen jumps: called with dlopen's arguments and its
// return address.
__attribute__((visibility("hidden"))) void *sealkit_route_dlopen(const char *file, int mode, const void *caller);
__attribute__((visibility("hidden"))) void *sealkit_dlopen_through(const char *file, int mode);
__attribute__((visibility("hidden"))) void *sealkit_real_dlmopen();

void *sealkit_dlopen_through(const char *file, int mode) {
    void *handle = real_loader().open(file, mode);
    if (handle == nullptr) return nullptr;  // nothing called after: dlerror() stays the real one
    sealkit::preload::seal_after_dlopen(handle, mode);
    int saved_errno = errno;
    sealkit::preload::catch_up_unwatched_dlopens();
    errno = saved_errno;
    return handle;
}

void *sealkit_route_dlopen(const char *file, int mode, const void *caller) {
    const auto &real = real_loader();
    if (!sealkit::preload::late_sealing_started()) {
        // A constructor's dlopen: start-up sealing catches it up.
        sealkit::preload::remember_unwatched_dlopen(file, mode);
        return reinterpret_cast<void *>(real.open);
    }
    if (file == nullptr || late_policy() == sealkit::startup::dlopen_policy::off)
        return reinterpret_cast<void *>(real.open);
    int saved_errno = errno;
    sealkit::preload::catch_up_unwatched_dlopens();
    bool through = sealkit::preload::searches_like_the_preload(file, caller);
    if (!through) sealkit::preload::remember_unwatched_dlopen(file, mode);
    errno = saved_errno;
    return through ? reinterpret_cast<void *>(&sealkit_dlopen_through) : reinterpret_cast<void *>(real.open);
}

void *sealkit_real_dlmopen() { return reinterpret_cast<void *>(real_loader().open_in_namespace); }

__attribute__((visibility("default"))) int dlclose(void *handle) {
    if (sealkit::preload::late_policy() != sealkit::startup::dlopen_policy::off)
        sealkit::preload::catch_up_unwatched_dlopens();
    return real_loader().close(handle);
}

}  // extern "C"

#if defined(__x86_64__)
// On entry the return address is at (%rsp) and %rsp is 8 modulo 16; 24
// bytes keep the arguments and re-align the stack for the call.
asm(R"(
    .text
    .globl dlopen
    .type dlopen, @function
dlopen:
    .cfi_startproc
    endbr64
    subq $24, %rsp
    .cfi_adjust_cfa_offset 24
    movq %rdi, (%rsp)
    movq %rsi, 8(%rsp)
    movq 24(%rsp), %rdx
    call sealkit_route_dlopen
    movq (%rsp), %rdi
    movq 8(%rsp), %rsi
    addq $24, %rsp
    .cfi_adjust_cfa_offset -24
    jmp *%rax
    .cfi_endproc
    .size dlopen, .-dlopen

    .globl dlmopen
    .type dlmopen, @function
dlmopen:
    .cfi_startproc
    endbr64
    subq $40, %rsp
    .cfi_adjust_cfa_offset 40
    movq %rdi, (%rsp)
    movq %rsi, 8(%rsp)
    movq %rdx, 16(%rsp)
    call sealkit_real_dlmopen
    movq (%rsp), %rdi
    movq 8(%rsp), %rsi
    movq 16(%rsp), %rdx
    addq $40, %rsp
    .cfi_adjust_cfa_offset -40
    jmp *%rax
    .cfi_endproc
    .size dlmopen, .-dlmopen
)");
#else
#error "the dlopen trampoline (src/preload/dlopen_interposer.cpp) is written for x86_64 only"
#endif
