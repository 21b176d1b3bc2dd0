// sealkit_lockdown (lockdown.h): seal what is safe, freeze protected data,
// deny write-execute.
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sealkit/lockdown.h"
#include "sealkit/protected_memory.h"
#include "seccomp/write_execute_filter.h"
#include "startup/image_sealer.h"
#include "startup/report_writer.h"
#include "system/syscalls.h"

namespace {

// The kernel's MDWE where it exists, unless the seccomp filter is asked for.
int deny_write_execute(bool force_seccomp, int &mechanism) {
    if (!force_seccomp) {
        long result = sealkit::sys::deny_write_execute();
        if (result == 0) {
            mechanism = SEALKIT_WX_KERNEL_MDWE;
            return 0;
        }
        if (result != -EINVAL) return static_cast<int>(-result);  // EINVAL: no MDWE here
    }
    sealkit::seccomp::filter_program program;
    if (!sealkit::seccomp::build_write_execute_filter(program)) return ENOSYS;
    if (long result = sealkit::sys::forbid_new_privileges()) return static_cast<int>(-result);
    sock_fprog fprog{program.length, program.instructions};
    long result = sealkit::sys::install_seccomp_filter_all_threads(&fprog);
    if (result < 0) return static_cast<int>(-result);
    if (result > 0) return EAGAIN;  // a thread could not be synchronised
    mechanism = SEALKIT_WX_SECCOMP;
    return 0;
}

}  // namespace

extern "C" int sealkit_lockdown(unsigned flags, struct sealkit_lockdown_report *report) {
    sealkit_lockdown_report local;
    sealkit_lockdown_report &out = report ? *report : local;
    memset(&out, 0, sizeof out);
    int first_error = 0;
    if (flags & SEALKIT_LOCKDOWN_IMAGES) {
        unsigned image_flags = SEALKIT_SKIP_SEALED | ((flags & SEALKIT_LOCKDOWN_VDSO) ? unsigned{SEALKIT_SEAL_VDSO} : 0u);
        long result = sealkit::startup::seal_loaded_images(image_flags, out.images);
        out.images_error = static_cast<int>(-result);
        if (!first_error) first_error = out.images_error;
    }
    if (flags & SEALKIT_LOCKDOWN_PROTECTED_DATA) {
        if (sealkit_freeze_protected_data() != 0) out.protected_data_error = errno;
        if (!first_error) first_error = out.protected_data_error;
    }
    if (flags & SEALKIT_LOCKDOWN_DENY_WRITE_EXECUTE) {
        out.write_execute_error =
            deny_write_execute((flags & SEALKIT_LOCKDOWN_WX_SECCOMP) != 0, out.write_execute);
        if (!first_error) first_error = out.write_execute_error;
    }
    if (first_error == 0) return 0;
    errno = first_error;
    return -1;
}

extern "C" int sealkit_write_lockdown_report(int fd, const struct sealkit_lockdown_report *report, int json) {
    if (report == nullptr) {
        errno = EINVAL;
        return -1;
    }
    const char *mechanism = report->write_execute == SEALKIT_WX_KERNEL_MDWE ? "kernel-mdwe"
                            : report->write_execute == SEALKIT_WX_SECCOMP   ? "seccomp"
                                                                            : "none";
    if (json) {
        dprintf(fd, "{\"write_execute\":\"%s\",\"write_execute_error\":%d,\"protected_data_error\":%d,"
                    "\"images_error\":%d,\"images\":",
                mechanism, report->write_execute_error, report->protected_data_error, report->images_error);
        if (report->images.image != nullptr) sealkit::startup::write_report(fd, report->images, true);
        else dprintf(fd, "null\n");
        dprintf(fd, "}\n");
        return 0;
    }
    dprintf(fd, "sealkit lockdown: write-execute %s%s\n", report->write_execute ? "denied by " : "NOT denied",
            report->write_execute ? mechanism : "");
    if (report->write_execute_error)
        dprintf(fd, "  write-execute: %s\n", strerror(report->write_execute_error));
    if (report->protected_data_error)
        dprintf(fd, "  protected data: not all frozen: %s\n", strerror(report->protected_data_error));
    if (report->images.image != nullptr) sealkit::startup::write_report(fd, report->images, false);
    return 0;
}
