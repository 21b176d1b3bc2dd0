#include "status_all.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <string_view>

#include "exit_status.h"

namespace sealkit::cli {
namespace {

// A /proc entry's name as a PID, or 0 when it is not all digits.
int pid_of(std::string_view name) {
    if (name.empty() || name.size() > 9) return 0;  // pid_max is at most 2^22
    int pid = 0;
    for (char c : name) {
        if (c < '0' || c > '9') return 0;
        pid = pid * 10 + (c - '0');
    }
    return pid;
}

// The PIDs in /proc: one per process (threads live under /proc/PID/task).
std::vector<int> list_processes(int &error) {
    std::vector<int> pids;
    DIR *proc = opendir("/proc");
    if (proc == nullptr) {
        error = errno;
        return pids;
    }
    while (dirent *entry = readdir(proc))
        if (int pid = pid_of(entry->d_name); pid > 0) pids.push_back(pid);
    closedir(proc);
    return pids;
}

void add_assumed_pids(std::vector<int> &pids) {
    const char *list = getenv(kAssumeListedPids);
    if (list == nullptr) return;
    std::string_view rest(list);
    while (!rest.empty()) {
        size_t comma = rest.find(',');
        if (int pid = pid_of(rest.substr(0, comma)); pid > 0) pids.push_back(pid);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
}

}  // namespace

host_scan scan_host(const inspect::inspection_options &options) {
    host_scan scan;
    std::vector<int> pids = list_processes(scan.list_error);
    add_assumed_pids(pids);
    std::sort(pids.begin(), pids.end());
    pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
    // sealkit's own memory says nothing about the host.
    pids.erase(std::remove(pids.begin(), pids.end(), static_cast<int>(getpid())), pids.end());
    scan.listed = pids.size();
    scan.reports.reserve(pids.size());

    for (int pid : pids) {
        inspect::inspection result = inspect::inspect_process(pid, options);
        switch (result.error) {
        case inspect::inspection_error::none:
            if (result.report.mappings == 0) ++scan.counts.without_user_memory;
            else {
                ++scan.counts.inspected;
                scan.reports.push_back(std::move(result.report));
            }
            continue;
        case inspect::inspection_error::no_such_process:
            ++scan.counts.vanished;
            scan.worst_failure = std::max<int>(scan.worst_failure, exit_no_such_process);
            continue;
        case inspect::inspection_error::permission_denied:
            ++scan.counts.permission_denied;
            scan.worst_failure = std::max<int>(scan.worst_failure, exit_permission_denied);
            continue;
        case inspect::inspection_error::no_seal_flag:
            ++scan.counts.failed;
            scan.worst_failure = std::max<int>(scan.worst_failure, exit_no_seal_reporting);
            continue;
        case inspect::inspection_error::read_failed:
            ++scan.counts.failed;
            scan.worst_failure = std::max<int>(scan.worst_failure, exit_read_failed);
            continue;
        }
    }
    return scan;
}

// Kernel threads can be read by anyone and say nothing: a scan that read
// only them read nothing.
bool read_nothing(const host_scan &scan) { return scan.counts.inspected == 0; }

}  // namespace sealkit::cli
