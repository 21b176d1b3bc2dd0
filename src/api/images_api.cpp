// The C API's startup-sealing entry points.
#include <errno.h>

#include "sealkit/sealkit.h"
#include "startup/image_sealer.h"
#include "startup/report_writer.h"

extern "C" int sealkit_seal_images(const struct sealkit_options *options, struct sealkit_report *report) {
    sealkit_report local;
    sealkit_report &out = report ? *report : local;
    long result = sealkit::startup::seal_loaded_images(options ? options->flags : 0u, out);
    if (result == 0) return 0;
    errno = static_cast<int>(-result);
    return -1;
}

extern "C" int sealkit_write_report(int fd, const struct sealkit_report *report, int json) {
    if (report == nullptr) {
        errno = EINVAL;
        return -1;
    }
    long result = sealkit::startup::write_report(fd, *report, json != 0);
    if (result == 0) return 0;
    errno = static_cast<int>(-result);
    return -1;
}
