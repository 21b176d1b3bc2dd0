#include "preload/dlopen_catch_up.h"

#include <dlfcn.h>
#include <string.h>
#include <unistd.h>

#include "concurrency/spin_lock.h"
#include "preload/dlopen_policy.h"

namespace sealkit::preload {
namespace {

constexpr int kMaxRemembered = 16;
constexpr size_t kMaxName = 512;

struct unwatched_call {
    char file[kMaxName];
    int mode;
    pid_t thread;  // the thread that made it: only it knows the call is over
};

unwatched_call g_calls[kMaxRemembered];
// Read at every program start: in .data, whose page the loader has already
// written, so reading it costs no page fault (a .bss page would).
int g_count __attribute__((section(".data"))) = 0;
int g_lock = 0;

bool take(int index, unwatched_call &out) {
    spin_lock_guard guard(g_lock);
    if (index >= g_count) return false;
    out = g_calls[index];
    g_calls[index] = g_calls[--g_count];
    return true;
}

void give_back(const unwatched_call &call) {
    spin_lock_guard guard(g_lock);
    if (g_count < kMaxRemembered) g_calls[g_count++] = call;
}

}  // namespace

void remember_unwatched_dlopen(const char *file, int mode) {
    // RTLD_NOLOAD loads nothing new, but with RTLD_NODELETE makes an object permanent.
    if (file == nullptr || ((mode & RTLD_NOLOAD) && !(mode & RTLD_NODELETE))) return;
    size_t length = strlen(file);
    if (length >= kMaxName) return;
    spin_lock_guard guard(g_lock);
    if (g_count == kMaxRemembered) return;
    unwatched_call &call = g_calls[g_count++];
    memcpy(call.file, file, length + 1);
    call.mode = mode;
    call.thread = gettid();
}

bool has_unwatched_dlopens() { return __atomic_load_n(&g_count, __ATOMIC_ACQUIRE) != 0; }

void catch_up_unwatched_dlopens() {
    if (!has_unwatched_dlopens() || !late_sealing_started()) return;
    const loader_calls &real = real_loader();
    const pid_t self = gettid();
    int pending;
    {
        spin_lock_guard guard(g_lock);
        pending = g_count;
    }
    // Each remembered call is taken out, looked up and applied; one that
    // found nothing is dropped when this thread made it (its dlopen is over:
    // it failed, or the object is gone), else kept for its own thread.
    unwatched_call call;
    for (int i = pending - 1; i >= 0; --i) {
        if (!take(i, call)) continue;
        void *handle = real.open(call.file, RTLD_NOLOAD | RTLD_LAZY);
        if (handle != nullptr) {
            seal_after_dlopen(handle, call.mode, true);
            real.close(handle);
        } else if (call.thread != self) {
            give_back(call);
        }
    }
    dlerror();  // the lookups must not leave an error behind
}

void release_unwatched_lock_in_child() { g_lock = 0; }

}  // namespace sealkit::preload
