#include "audit/audit_scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace sealkit::audit {
namespace {

struct directory_entry {
    std::string name;
    unsigned char type;  // DT_*
};

std::string join(const std::string &directory, const std::string &name) {
    if (!directory.empty() && directory.back() == '/') return directory + name;
    return directory + "/" + name;
}

}  // namespace

audit_scan::audit_scan(audit_scan_options options, file_callback on_file, failure_callback on_failure,
                       progress_callback on_progress)
    : options_(options),
      on_file_(std::move(on_file)),
      on_failure_(std::move(on_failure)),
      on_progress_(std::move(on_progress)) {}

void audit_scan::fail(const std::string &path, failure_kind kind, std::string message) {
    ++counts_.failed;
    if (on_failure_) on_failure_({path, kind, std::move(message)});
}

void audit_scan::visit(const std::string &path) {
    struct stat st;
    if (stat(path.c_str(), &st) != 0) {
        fail(path, failure_kind::unreadable, fmt::format("cannot read it ({})", strerror(errno)));
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        if (options_.recursive) walk(path);
        else fail(path, failure_kind::is_directory, "is a directory (use -r to audit the files in it)");
        return;
    }
    audit_file(AT_FDCWD, path.c_str(), path, false);
}

void audit_scan::walk(const std::string &directory) {
    int fd = open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dir = fd < 0 ? nullptr : fdopendir(fd);
    if (dir == nullptr) {
        int error = errno;
        if (fd >= 0) close(fd);
        fail(directory, failure_kind::unreadable, fmt::format("cannot read the directory ({})", strerror(error)));
        return;
    }
    ++counts_.directories;
    std::vector<directory_entry> entries;
    errno = 0;
    while (dirent *entry = readdir(dir)) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
        entries.push_back({entry->d_name, entry->d_type});
    }
    std::sort(entries.begin(), entries.end(),
              [](const directory_entry &a, const directory_entry &b) { return a.name < b.name; });
    for (directory_entry &entry : entries) {
        if (entry.type == DT_UNKNOWN) {  // some file systems do not say
            struct stat st;
            if (fstatat(dirfd(dir), entry.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // gone
            entry.type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : S_ISLNK(st.st_mode) ? DT_LNK : DT_FIFO;
        }
        const std::string path = join(directory, entry.name);
        switch (entry.type) {
        case DT_DIR: walk(path); break;
        case DT_REG: audit_file(dirfd(dir), entry.name.c_str(), path, true); break;
        case DT_LNK: ++counts_.skipped_links; break;
        default: ++counts_.skipped_special; break;
        }
    }
    closedir(dir);
}

void audit_scan::audit_file(int directory_fd, const char *name, const std::string &path, bool found_in_walk) {
    if (on_progress_) on_progress_(++seen_, path);
    else ++seen_;
    if (int error = source_.open(directory_fd, name)) {
        // A file that vanished between readdir and open was never there.
        if (!(found_in_walk && error == ENOENT))
            fail(path, failure_kind::unreadable, fmt::format("cannot read it ({})", strerror(error)));
        source_.close();
        return;
    }
    if (source_.not_regular()) {
        source_.close();
        if (found_in_walk) ++counts_.skipped_special;
        else fail(path, failure_kind::not_regular, "not a regular file");
        return;
    }
    std::string problem;
    facts_error error = read_elf_facts(source_, &current_.facts, &problem);
    int read_errno = source_.error();
    source_.close();
    switch (error) {
    case facts_error::none: break;
    case facts_error::not_elf:
        if (found_in_walk) ++counts_.skipped_not_elf;
        else fail(path, failure_kind::not_elf, "not an ELF file");
        return;
    case facts_error::truncated: fail(path, failure_kind::truncated, "truncated ELF file: " + problem); return;
    case facts_error::malformed: fail(path, failure_kind::malformed, "malformed ELF file: " + problem); return;
    case facts_error::read_failed:
        fail(path, failure_kind::unreadable, fmt::format("cannot read it ({})", strerror(read_errno)));
        return;
    }
    current_.path = path;
    current_.verdict = judge(current_.facts);
    ++counts_.audited;
    switch (current_.verdict.kind) {
    case verdict_kind::sealable: ++counts_.sealable; break;
    case verdict_kind::caveats: ++counts_.caveats; break;
    case verdict_kind::not_sealable: ++counts_.not_sealable; break;
    case verdict_kind::not_loadable: ++counts_.not_loadable; break;
    }
    if (on_file_) on_file_(current_);
}

const char *name_of(failure_kind kind) {
    switch (kind) {
    case failure_kind::unreadable: return "unreadable";
    case failure_kind::not_elf: return "not-elf";
    case failure_kind::truncated: return "truncated";
    case failure_kind::malformed: return "malformed";
    case failure_kind::not_regular: return "not-regular";
    case failure_kind::is_directory: return "is-directory";
    }
    return "unreadable";
}

}  // namespace sealkit::audit
