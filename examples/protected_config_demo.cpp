// protected_config_demo: write-once-then-seal data in a C++ program.
//
// A service keeps its request handlers (function pointers) and its
// configuration in protected_memory<T> globals and its routing table in a
// sealed arena. It configures them at start-up, freezes everything, and
// then plays the attacker: a write primitive and memory-management system
// calls against each of them. Exit status 0 when every attack was refused
// and the data is intact.
#include <sealkit/protected_memory.hpp>
#include <sealkit/sealed_arena.hpp>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace {

struct handlers {
    int (*authenticate)(const char *user, const char *password);
    void (*audit)(const char *event);
};

struct config {
    int require_tls;
    int max_login_attempts;
    char admin_group[16];
};

struct route {
    char prefix[24];
    int backend_port;
};

int real_authenticate(const char *user, const char *password) {
    return std::strcmp(user, "alice") == 0 && std::strcmp(password, "correct horse") == 0;
}
void real_audit(const char *event) { std::printf("    audit: %s\n", event); }

SEALKIT_PROTECTED_GLOBAL(handlers, g_handlers);
SEALKIT_PROTECTED_GLOBAL(config, g_config, config{1, 3, "wheel"});

int refused = 0, succeeded = 0;

void attempt(const char *what, int result) {
    if (result == 0) {
        std::printf("  %-52s SUCCEEDED  <- not protected\n", what);
        ++succeeded;
    } else {
        std::printf("  %-52s refused: %s\n", what, std::strerror(errno));
        ++refused;
    }
}

// A write primitive: the attacker stores a pointer into the handler table.
// Done in a child, because the fault that stops it ends the process.
void attempt_write(const char *what, void *target) {
    std::fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        *static_cast<volatile long *>(target) = 0x41414141;
        _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    bool faulted = WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
    std::printf("  %-52s %s\n", what, faulted ? "refused: the write faulted (SIGSEGV)" : "SUCCEEDED  <- not protected");
    faulted ? ++refused : ++succeeded;
}

}  // namespace

int main() {
    std::printf("sealkit %s, backend: %s\n\n", sealkit_version(), sealkit_backend_name());

    // 1. Configure: writes happen only inside writer scopes.
    {
        auto w = g_handlers.make_writable();
        w->authenticate = real_authenticate;
        w->audit = real_audit;
    }
    {
        auto w = g_config.make_writable();
        w->max_login_attempts = 5;
    }
    sealkit::sealed_arena arena;
    route *routes = static_cast<route *>(arena.allocate(2 * sizeof(route), alignof(route)));
    if (routes == nullptr) {
        std::perror("arena");
        return 2;
    }
    routes[0] = route{"/api/", 8080};
    routes[1] = route{"/admin/", 9090};

    // 2. Freeze: read-only and sealed, for the life of the process.
    if (sealkit_freeze_protected_data() != 0 || arena.freeze()) {
        std::printf("cannot freeze: %s\n", std::strerror(errno));
        return errno == ENOSYS ? 2 : 1;
    }
    std::printf("handlers, config and routes are frozen (read-only and sealed)\n\n");

    // 3. The attacker.
    std::printf("attacks:\n");
    attempt_write("write a pointer into the handler table", &g_handlers);
    attempt_write("write into the routing table", routes);
    void *table = &g_handlers;
    attempt("mprotect(handlers, PROT_READ|PROT_WRITE)", mprotect(table, sizeof g_handlers, PROT_READ | PROT_WRITE));
    attempt("mprotect(config, PROT_READ|PROT_WRITE)",
            mprotect(const_cast<config *>(&*g_config), sizeof g_config, PROT_READ | PROT_WRITE));
    attempt("munmap(handlers)", munmap(table, sizeof g_handlers));
    void *over = mmap(table, sizeof g_handlers, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    attempt("mmap(MAP_FIXED) a fresh table over handlers", over == MAP_FAILED ? -1 : 0);
    attempt("madvise(routes, MADV_DONTNEED) to zero them", madvise(routes, 4096, MADV_DONTNEED));
    void *moved = mremap(routes, 4096, 8192, MREMAP_MAYMOVE);
    attempt("mremap(routes) elsewhere", moved == MAP_FAILED ? -1 : 0);

    // 4. Everything is as the program left it.
    bool intact = g_handlers->authenticate == real_authenticate && g_config->max_login_attempts == 5 &&
                  std::strcmp(g_config->admin_group, "wheel") == 0 && routes[1].backend_port == 9090;
    std::printf("\ndata intact: %s\n", intact ? "yes" : "NO");
    g_handlers->audit(g_handlers->authenticate("alice", "correct horse") ? "alice logged in through the real handler"
                                                                          : "login failed");
    if (!intact || succeeded > 0) return 1;
    std::printf("every attack was refused.\n");
    return 0;
}
