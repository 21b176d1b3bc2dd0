#include "inspect/system_facts.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procfs/mappings_reader.h"
#include "sealkit/sealkit.h"
#include "seccomp/exec_guard.h"
#include "system/syscalls.h"

// Linux 6.3; Debian 12's kernel headers predate it.
#ifndef PR_GET_MDWE
#define PR_GET_MDWE 66
#endif

namespace sealkit::inspect {
namespace {

struct vdso_search {
    uintptr_t address;
    bool found = false;
    bool has_vmflags = false;
    bool sealed = false;
};

bool find_vdso(const procfs::mapping &m, void *context) {
    auto &search = *static_cast<vdso_search *>(context);
    if (search.address < m.start || search.address >= m.end) return true;
    search.found = true;
    search.has_vmflags = m.has_vmflags;
    search.sealed = m.sealed;
    return false;
}

// The vDSO is found by the address the kernel passed in the auxiliary
// vector, not by the name "[vdso]" in smaps.
std::optional<bool> vdso_sealed() {
    vdso_search search{static_cast<uintptr_t>(getauxval(AT_SYSINFO_EHDR))};
    if (search.address == 0) return std::nullopt;
    procfs::read_mappings(0, procfs::mappings_file::smaps, find_vdso, &search);
    if (!search.found || !search.has_vmflags) return std::nullopt;
    return search.sealed;
}

// PR_SET_SECCOMP with a NULL filter program: a kernel with
// CONFIG_SECCOMP_FILTER copies the program first and fails with EFAULT; one
// without it does not know the mode and fails with EINVAL. Nothing is
// installed either way.
std::optional<bool> seccomp_filter_probe() {
    int saved = errno;
    int result = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, nullptr, 0, 0);
    int error = errno;
    errno = saved;
    if (result == -1 && error == EFAULT) return true;
    if (result == -1 && error == EINVAL) return false;
    return std::nullopt;
}

// Installs an allow-everything filter in a forked child (which then exits),
// the way the seccomp backend would: no_new_privs first unless the process
// may install filters without it. The child reports the first errno.
std::string seccomp_install_trial() {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) return "could not try (no pipe)";
    pid_t child = fork();
    if (child < 0) {
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        return "could not try (fork failed)";
    }
    if (child == 0) {
        close(pipe_fds[0]);
        int answer[2] = {0, 0};  // step (1 no_new_privs, 2 install), errno
        sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        sock_fprog program{1, &allow};
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
            answer[0] = 1, answer[1] = errno;
        else if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) != 0)
            answer[0] = 2, answer[1] = errno;
        ssize_t ignored = write(pipe_fds[1], answer, sizeof answer);
        (void)ignored;
        _exit(0);
    }
    close(pipe_fds[1]);
    int answer[2] = {0, 0};
    ssize_t got = read(pipe_fds[0], answer, sizeof answer);
    close(pipe_fds[0]);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (got != static_cast<ssize_t>(sizeof answer)) return "could not try (the trial process failed)";
    if (answer[0] == 0) return "";
    if (answer[0] == 1) return std::string("no_new_privs refused (") + strerror(answer[1]) + ")";
    if (answer[1] == ENOMEM) return "the filter chain is full (too many filters already: ENOMEM)";
    if (answer[1] == EINVAL) return "the kernel has no seccomp filtering (CONFIG_SECCOMP_FILTER off: EINVAL)";
    return std::string("installing a filter failed (") + strerror(answer[1]) + ")";
}

std::optional<long> seccomp_filter_count() {
    FILE *status = fopen("/proc/self/status", "re");
    if (status == nullptr) return std::nullopt;
    std::optional<long> count;
    char line[256];
    while (fgets(line, sizeof line, status) != nullptr) {
        long value;
        if (sscanf(line, "Seccomp_filters: %ld", &value) == 1) {
            count = value;
            break;
        }
    }
    fclose(status);
    return count;
}

bool backend_is_requested() {
    const char *requested = getenv("SEALKIT_BACKEND");
    return requested != nullptr && *requested != '\0' && strcmp(requested, "auto") != 0;
}

// What auto would choose when SEALKIT_BACKEND asks for something else. The
// library chooses once per process, so ask a child that sets
// SEALKIT_BACKEND=auto: the answer then comes from the library's own logic
// rather than a copy of it. Must run before this process makes its own
// choice, or the child would inherit that.
backend_choice auto_choice_in_child() {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) return {};
    pid_t child = fork();
    if (child < 0) {
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        return {};
    }
    if (child == 0) {
        close(pipe_fds[0]);
        setenv("SEALKIT_BACKEND", "auto", 1);
        char answer[512];
        int length = snprintf(answer, sizeof answer, "%s\n%s", sealkit_backend_name(), sealkit_backend_reason());
        if (length > 0) {
            ssize_t ignored = write(pipe_fds[1], answer, static_cast<size_t>(length));
            (void)ignored;
        }
        _exit(0);
    }
    close(pipe_fds[1]);
    std::string answer;
    char chunk[256];
    ssize_t got;
    while ((got = read(pipe_fds[0], chunk, sizeof chunk)) != 0) {
        if (got < 0) {
            if (errno == EINTR) continue;
            break;
        }
        answer.append(chunk, static_cast<size_t>(got));
    }
    close(pipe_fds[0]);
    int status;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    size_t newline = answer.find('\n');
    if (newline == std::string::npos) return {};
    return {answer.substr(0, newline), answer.substr(newline + 1)};
}

}  // namespace

system_facts gather_system_facts() {
    system_facts facts;
    // First, before this process's own backend choice is made.
    if (backend_is_requested()) facts.auto_backend = auto_choice_in_child();

    utsname names;
    if (uname(&names) == 0) {
        facts.kernel_release = names.release;
        facts.kernel_version = names.version;
        facts.machine = names.machine;
    }

    long probe = sys::probe_seal_support();
    facts.mseal_available = probe == 0;
    facts.mseal_probe_errno = static_cast<int>(-probe);

    facts.process_is_64_bit = sizeof(void *) == 8;

    facts.glibc_version = gnu_get_libc_version();
    facts.glibc_exports_mseal = dlsym(RTLD_DEFAULT, "mseal") != nullptr;

    facts.system_mappings_sealed = vdso_sealed();

    int saved = errno;
    int mdwe = prctl(PR_GET_MDWE, 0, 0, 0, 0);
    errno = saved;
    facts.mdwe_available = mdwe >= 0;
    facts.mdwe_flags = mdwe >= 0 ? mdwe : 0;

    facts.seccomp_filter_available = seccomp_filter_probe();
    int mode = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
    errno = saved;
    facts.seccomp_mode = mode >= 0 ? mode : 0;
    facts.seccomp_filters = seccomp_filter_count();
    facts.seccomp_install_problem = seccomp_install_trial();
    const char *why_no_guard = nullptr;
    facts.exec_guard_available = seccomp::exec_guard_possible(&why_no_guard);
    if (why_no_guard != nullptr) facts.exec_guard_problem = why_no_guard;

    facts.active_backend = {sealkit_backend_name(), sealkit_backend_reason()};
    if (!backend_is_requested()) facts.auto_backend = facts.active_backend;
    facts.can_enforce = sealkit_backend() != SEALKIT_BACKEND_NONE;
    return facts;
}

}  // namespace sealkit::inspect
