// Renders a sealkit_report as text for people or JSON for machines,
// straight to a file descriptor with a fixed buffer (no allocation: the
// preload writes reports from inside arbitrary programs). The preload's
// late passes (objects sealed after start-up, src/preload/late_report.h)
// are rendered here too, with what brought each one:
//
//     write_report(fd, startup, json);                        // before main
//     write_late_pass(fd, {"/lib/libx.so", false, 1, 40000}, pass, json);
//     write_report_with_late_objects(fd, startup, late);      // one JSON document
#pragma once

#include <stddef.h>

#include "sealkit/sealkit.h"

namespace sealkit::startup {

// When and why an object was sealed after start-up.
struct late_seal {
    const char *opened = nullptr;  // the object whose dlopen brought the pass
    bool caught_up = false;        // that dlopen went straight to glibc and was caught up later
    unsigned pass = 0;             // 1, 2, ...: the late passes in order
    long long nanoseconds = 0;     // time the pass took
};

struct late_object {
    sealkit_image_report image;
    late_seal seal;
};

// The late objects so far: items[0, count), and totals over every pass
// (images = objects reported, including the not_listed ones).
struct late_objects {
    const late_object *items = nullptr;
    size_t count = 0;
    size_t not_listed = 0;  // sealed after the storage was full
    unsigned passes = 0;
    sealkit_report totals{};
};

// strict: the objects were sealed strict (SEALKIT_RELRO=strict: every
// discard madvise refused too); the text's first line and the JSON's
// "strict" say so.

// 0 or -errno of the write.
long write_report(int fd, const sealkit_report &report, bool json, bool strict = false);

// One late pass: a text block ("sealkit: late pass 1, dlopen of ...") or
// one JSON document on one line, with pass's objects.
long write_late_pass(int fd, const late_seal &seal, const sealkit_report &pass, bool json, bool strict = false);

// The start-up report as JSON with the late objects after the start-up
// ones ("late": true) and "late_seals" summing them up.
long write_report_with_late_objects(int fd, const sealkit_report &startup, const late_objects &late,
                                    bool strict = false);

// "the vDSO (use --vdso)" etc.
const char *describe_skip(int reason);

}  // namespace sealkit::startup
