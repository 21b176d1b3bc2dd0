// autoseal_service: an installed-sealkit consumer in C++, linked with the
// autoseal archive. Its own text and libc's must be sealed when main
// starts, making its text writable must be refused, and a sealkit::region
// it seals itself must be sealed. Exit 0 and "autoseal_service: ok" on
// success; otherwise the failed check and exit 1.
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <sealkit/sealkit.hpp>

namespace {

bool check(bool condition, const char *what) {
    if (!condition) std::fprintf(stderr, "autoseal_service: failed: %s (errno %s)\n", what, std::strerror(errno));
    return condition;
}

void *page_of(const void *address) {
    const auto page = static_cast<unsigned long>(sysconf(_SC_PAGESIZE));
    return reinterpret_cast<void *>(reinterpret_cast<unsigned long>(address) & ~(page - 1));
}

}  // namespace

int main() {
    std::error_code ec;
    void *text = page_of(reinterpret_cast<const void *>(&main));
    if (!check(sealkit::is_sealed(text, 1, ec) && !ec, "own text sealed before main")) return 1;
    if (!check(sealkit::is_sealed(page_of(reinterpret_cast<const void *>(&std::fprintf)), 1, ec),
               "libc sealed before main"))
        return 1;
    errno = 0;
    if (!check(mprotect(text, 1, PROT_READ | PROT_WRITE | PROT_EXEC) == -1 && errno == EPERM,
               "mprotect of own text refused"))
        return 1;

    sealkit::region limits(sizeof(int) * 4);
    if (!check(static_cast<bool>(limits), "region mapped")) return 1;
    const int values[4] = {1, 2, 3, 4};
    std::memcpy(limits.data(), values, sizeof values);
    if (!check(!limits.seal_read_only(), "region sealed read-only")) return 1;
    if (!check(sealkit::is_sealed(limits.bytes(), ec), "region reported sealed")) return 1;
    std::puts("autoseal_service: ok");
    return 0;
}
