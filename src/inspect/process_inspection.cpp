#include "inspect/process_inspection.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <string>

#include "inspect/read_ahead.h"
#include "procfs/mappings_reader.h"
#include "system/syscalls.h"

namespace sealkit::inspect {
namespace {

std::string proc_path(int pid, const char *entry) {
    return pid == 0 ? std::string("/proc/self/") + entry : "/proc/" + std::to_string(pid) + "/" + entry;
}

// /proc/PID/comm without its newline; empty when it cannot be read.
std::string read_command(int pid) {
    std::string path = proc_path(pid, "comm");
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {};
    char text[64];
    ssize_t got = read(fd, text, sizeof text);
    close(fd);
    if (got <= 0) return {};
    std::string command(text, static_cast<size_t>(got));
    while (!command.empty() && command.back() == '\n') command.pop_back();
    return command;
}

// The target of /proc/PID/exe (" (deleted)" appended by the kernel when
// unlinked, as in smaps); empty for kernel threads or without permission.
std::string read_executable(int pid) {
    std::string path = proc_path(pid, "exe");
    char target[PATH_MAX];
    ssize_t got = readlink(path.c_str(), target, sizeof target);
    if (got <= 0 || static_cast<size_t>(got) >= sizeof target) return {};
    return std::string(target, static_cast<size_t>(got));
}

// The seccomp mode and filter count of /proc/PID/status ("Seccomp:\t2",
// "Seccomp_filters:\t3", the latter since Linux 5.9); mode -1 when unreadable.
struct seccomp_state {
    int mode = -1;
    int filters = 0;
};
seccomp_state read_seccomp_state(int pid) {
    seccomp_state state;
    std::string path = proc_path(pid, "status");
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return state;
    char text[4096];
    ssize_t got = read(fd, text, sizeof text - 1);
    close(fd);
    if (got <= 0) return state;
    text[got] = '\0';
    auto number_after = [&](const char *key) {
        const char *at = strstr(text, key);
        if (at == nullptr) return -1;
        at += strlen(key);
        while (*at == ' ' || *at == '\t') ++at;
        if (*at < '0' || *at > '9') return -1;
        int value = 0;
        for (; *at >= '0' && *at <= '9' && value < 1000000; ++at) value = value * 10 + (*at - '0');
        return value;
    };
    state.mode = number_after("\nSeccomp:");
    state.filters = number_after("\nSeccomp_filters:");
    if (state.filters < 0) state.filters = 0;
    return state;
}

inspection_error error_kind(long negative_errno) {
    switch (-negative_errno) {
    case ENOENT:
    case ESRCH: return inspection_error::no_such_process;
    case EACCES:
    case EPERM: return inspection_error::permission_denied;
    default: return inspection_error::read_failed;
    }
}

}  // namespace

inspection inspect_process(int pid, const inspection_options &options) {
    inspection result;
    result.report.pid = pid == 0 ? static_cast<int>(getpid()) : pid;

    process_map_builder builder;
    struct both_visitors {
        process_map_builder *builder;
        const inspection_options *options;
        static bool visit(const procfs::mapping &m, void *context) {
            auto *both = static_cast<both_visitors *>(context);
            both->builder->add(m);
            both->options->also_visit(m, both->options->also_visit_context);
            return true;
        }
    } both{&builder, &options};
    // A big smaps is read on a helper thread while this one parses it.
    procfs::read_result read =
        options.also_visit == nullptr
            ? read_mappings_ahead(pid, procfs::mappings_file::smaps, process_map_builder::visit, &builder)
            : read_mappings_ahead(pid, procfs::mappings_file::smaps, both_visitors::visit, &both);
    if (read.error != 0) {
        result.error = error_kind(read.error);
        result.error_number = static_cast<int>(-read.error);
        return result;
    }
    process_map map = builder.finish();
    if (map.mappings.empty() && pid != 0 && access(proc_path(pid, "").c_str(), F_OK) != 0) {
        // It exited between opening smaps and reading it.
        result.error = inspection_error::no_such_process;
        result.error_number = ESRCH;
        return result;
    }
    if (map.missing_vmflags) {
        result.error = inspection_error::no_seal_flag;
        return result;
    }

    if (map.mapping_count > 0 || options.name_processes_without_memory) result.report.command = read_command(pid);
    // A process without mappings (a kernel thread, a zombie) has no
    // executable either: /proc/PID/exe would fail.
    std::string executable = map.mapping_count == 0 ? std::string() : read_executable(pid);
    std::vector<std::optional<image_info>> images;
    if (options.read_image_headers) {
        process_image_source source(pid);
        images = read_images(map, source, sys::page_size());
    }
    int real_pid = result.report.pid;
    std::string command = std::move(result.report.command);
    result.report = summarize(map, images, executable);
    result.report.pid = real_pid;
    result.report.command = std::move(command);
    result.report.executable = std::move(executable);
    for (const object_row &row : result.report.objects) {
        if (row.name != kSeccompBackendMarker) continue;
        // Filter mode (2) as well: a marker without filters enforces nothing.
        if (const seccomp_state state = read_seccomp_state(pid); state.mode == 2) {
            result.report.seccomp_backend = true;
            result.report.seccomp_filters = state.filters;
        }
        break;
    }
    return result;
}

}  // namespace sealkit::inspect
