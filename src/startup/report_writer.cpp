#include "startup/report_writer.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

namespace sealkit::startup {
namespace {

class fd_writer {
public:
    explicit fd_writer(int fd) : fd_(fd) {}
    ~fd_writer() { flush(); }

    void printf(const char *format, ...) __attribute__((format(printf, 2, 3))) {
        va_list args;
        va_start(args, format);
        char line[1024];
        int n = vsnprintf(line, sizeof line, format, args);
        va_end(args);
        if (n > 0) append(line, static_cast<size_t>(n) < sizeof line ? static_cast<size_t>(n) : sizeof line - 1);
    }
    // A JSON string literal, escaped.
    void json_string(const char *text) {
        append("\"", 1);
        for (const unsigned char *c = reinterpret_cast<const unsigned char *>(text); *c; ++c) {
            if (*c == '"' || *c == '\\') {
                char escaped[2] = {'\\', static_cast<char>(*c)};
                append(escaped, 2);
            } else if (*c < 0x20) {
                printf("\\u%04x", *c);
            } else {
                append(reinterpret_cast<const char *>(c), 1);
            }
        }
        append("\"", 1);
    }
    void append(const char *text, size_t length) {
        if (used_ + length > sizeof buffer_) flush();
        if (length > sizeof buffer_) {
            write_all(text, length);
            return;
        }
        memcpy(buffer_ + used_, text, length);
        used_ += length;
    }
    long error() const { return error_; }
    void flush() {
        write_all(buffer_, used_);
        used_ = 0;
    }

private:
    void write_all(const char *text, size_t length) {
        while (length > 0 && error_ == 0) {
            ssize_t n = write(fd_, text, length);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                error_ = n < 0 ? -errno : -EIO;
                return;
            }
            text += n;
            length -= static_cast<size_t>(n);
        }
    }
    int fd_;
    char buffer_[8192];
    size_t used_ = 0;
    long error_ = 0;
};

const char *const kSegmentNames[] = {"text", "rodata", "relro", "data", "gaps"};

// An object's name in a text report: printable bytes as they are, control
// characters escaped (\n, \xNN), so a crafted path cannot forge lines.
void write_name_text(fd_writer &out, const char *name) {
    for (const unsigned char *c = reinterpret_cast<const unsigned char *>(name); *c; ++c) {
        if (*c == '\n') out.append("\\n", 2);
        else if (*c < 0x20 || *c == 0x7f) out.printf("\\x%02x", *c);
        else out.append(reinterpret_cast<const char *>(c), 1);
    }
}

void write_segments_text(fd_writer &out, unsigned kinds) {
    bool first = true;
    for (unsigned bit = 0; bit < 5; ++bit)
        if (kinds & (1u << bit)) {
            out.printf("%s%s", first ? "" : ",", kSegmentNames[bit]);
            first = false;
        }
}

void write_entry_text(fd_writer &out, const sealkit_image_report &e) {
    out.printf("  ");
    write_name_text(out, e.name);
    out.printf("\n    %#lx-%#lx  ", e.start, e.end);
    if (e.skip_reason != SEALKIT_SKIP_NONE) {
        out.printf("skipped: %s\n", describe_skip(e.skip_reason));
        return;
    }
    out.printf("%lu KiB sealed, %u run%s, %u call%s, %lld us, segments ", e.bytes_sealed / 1024, e.runs,
               e.runs == 1 ? "" : "s", e.seal_calls, e.seal_calls == 1 ? "" : "s", e.nanoseconds / 1000);
    write_segments_text(out, e.segment_kinds);
    if (e.relro_moved > 0) out.printf(", RELRO moved to anonymous memory");
    if (e.relro_moved < 0)
        out.printf(", RELRO kept in place (a seal filter inherited across exec refuses the move; discarding it "
                   "is refused instead)");
    if (e.mutable_ranges) out.printf(", %u mutable range(s) left unsealed (%lu KiB)", e.mutable_ranges,
                                     e.mutable_bytes / 1024);
    if (e.error) out.printf("\n    FAILED at %s: %s", e.error_step ? e.error_step : "?", strerror(e.error));
    out.printf("\n");
}

// ", strict: ..." after the backend's name in a text report's first line.
const char *strict_text(bool strict) { return strict ? ", strict: every discard madvise refused" : ""; }

void write_text(fd_writer &out, const sealkit_report &report, bool strict) {
    out.printf("sealkit: sealed %u of %u objects, %lu KiB in %u seal calls, %lld us (backend %s%s)\n",
               report.images_sealed, report.images, report.bytes_sealed / 1024, report.seal_calls,
               report.nanoseconds / 1000, report.backend ? report.backend : "?", strict_text(strict));
    for (unsigned i = 0; i < report.images; ++i) write_entry_text(out, report.image[i]);
}

// "dlopen of /lib/libx.so", "catch-up of /lib/libx.so": what brought a late pass.
const char *late_cause(const late_seal &seal) { return seal.caught_up ? "catch-up" : "dlopen"; }

void write_late_text(fd_writer &out, const late_seal &seal, const sealkit_report &pass, bool strict) {
    out.printf("sealkit: late pass %u, %s of ", seal.pass, late_cause(seal));
    write_name_text(out, seal.opened ? seal.opened : "?");
    out.printf(": sealed %u of %u objects, %lu KiB in %u seal calls, %lld us (backend %s%s)\n", pass.images_sealed,
               pass.images, pass.bytes_sealed / 1024, pass.seal_calls, seal.nanoseconds / 1000,
               pass.backend ? pass.backend : "?", strict_text(strict));
    for (unsigned i = 0; i < pass.images; ++i) write_entry_text(out, pass.image[i]);
}

const char *skip_keyword(int reason) {
    switch (reason) {
    case SEALKIT_SKIP_VDSO: return "vdso";
    case SEALKIT_SKIP_UNLOADABLE: return "unloadable";
    case SEALKIT_SKIP_NOT_MARKED: return "not_marked";
    case SEALKIT_SKIP_ALREADY_SEALED: return "already_sealed";
    case SEALKIT_SKIP_NO_SEGMENTS: return "no_segments";
    default: return "none";
    }
}

void write_totals_json(fd_writer &out, const sealkit_report &report, bool strict) {
    out.printf("\"backend\":");
    out.json_string(report.backend ? report.backend : "");
    out.printf(",\"strict\":%s", strict ? "true" : "false");
    out.printf(",\"images\":%u,\"images_sealed\":%u,\"images_failed\":%u,\"bytes_sealed\":%lu,"
               "\"seal_calls\":%u,\"nanoseconds\":%lld",
               report.images, report.images_sealed, report.images_failed, report.bytes_sealed, report.seal_calls,
               report.nanoseconds);
}

void write_late_seal_json(fd_writer &out, const late_seal &seal) {
    out.printf("\"sealed_after\":\"%s\",\"opened\":", late_cause(seal));
    out.json_string(seal.opened ? seal.opened : "");
    out.printf(",\"pass\":%u,\"pass_nanoseconds\":%lld", seal.pass, seal.nanoseconds);
}

// One element of "objects"; late is null for a start-up object.
void write_object_json(fd_writer &out, const sealkit_image_report &e, const late_seal *late) {
    out.printf("{\"name\":");
    out.json_string(e.name);
    out.printf(",\"start\":\"%#lx\",\"end\":\"%#lx\",\"segments\":[", e.start, e.end);
    bool first = true;
    for (unsigned bit = 0; bit < 5; ++bit)
        if (e.segment_kinds & (1u << bit)) {
            out.printf("%s\"%s\"", first ? "" : ",", kSegmentNames[bit]);
            first = false;
        }
    out.printf("],\"sealed\":%s,\"bytes_sealed\":%lu,\"runs\":%u,\"seal_calls\":%u,\"nanoseconds\":%lld,"
               "\"relro_moved\":%s,\"relro_kept_in_place\":%s,\"mutable_ranges\":%u,\"mutable_bytes\":%lu,"
               "\"skipped\":",
               e.skip_reason == SEALKIT_SKIP_NONE && e.error == 0 ? "true" : "false", e.bytes_sealed, e.runs,
               e.seal_calls, e.nanoseconds, e.relro_moved > 0 ? "true" : "false", e.relro_moved < 0 ? "true" : "false",
               e.mutable_ranges, e.mutable_bytes);
    if (e.skip_reason == SEALKIT_SKIP_NONE) out.printf("null");
    else out.printf("\"%s\"", skip_keyword(e.skip_reason));
    if (e.error) {
        out.printf(",\"error\":{\"errno\":%d,\"step\":\"%s\",\"message\":", e.error,
                   e.error_step ? e.error_step : "");
        out.json_string(strerror(e.error));
        out.printf("}");
    } else {
        out.printf(",\"error\":null");
    }
    out.printf(",\"late\":%s", late ? "true" : "false");
    if (late) {
        out.printf(",");
        write_late_seal_json(out, *late);
    }
    out.printf("}");
}

// The start-up report; with late objects, they follow the start-up ones in
// "objects" and "late_seals" sums them up.
void write_json(fd_writer &out, const sealkit_report &report, const late_objects *late, bool strict) {
    out.printf("{");
    write_totals_json(out, report, strict);
    out.printf(",\"objects\":[");
    for (unsigned i = 0; i < report.images; ++i) {
        if (i) out.printf(",");
        write_object_json(out, report.image[i], nullptr);
    }
    if (late != nullptr) {
        for (size_t i = 0; i < late->count; ++i) {
            if (report.images != 0 || i != 0) out.printf(",");
            write_object_json(out, late->items[i].image, &late->items[i].seal);
        }
        out.printf("],\"late_seals\":{\"passes\":%u,\"objects\":%lu,\"objects_sealed\":%u,"
                   "\"objects_failed\":%u,\"bytes_sealed\":%lu,\"seal_calls\":%u,\"nanoseconds\":%lld,"
                   "\"objects_not_listed\":%lu}}\n",
                   late->passes, static_cast<unsigned long>(late->count + late->not_listed), late->totals.images_sealed,
                   late->totals.images_failed, late->totals.bytes_sealed, late->totals.seal_calls,
                   late->totals.nanoseconds, static_cast<unsigned long>(late->not_listed));
        return;
    }
    out.printf("]}\n");
}

// One late pass as a document of its own (one line): its totals, what
// brought it, and its objects.
void write_late_json(fd_writer &out, const late_seal &seal, const sealkit_report &pass, bool strict) {
    out.printf("{\"late_seal\":{");
    write_late_seal_json(out, seal);
    out.printf("},");
    write_totals_json(out, pass, strict);
    out.printf(",\"objects\":[");
    for (unsigned i = 0; i < pass.images; ++i) {
        if (i) out.printf(",");
        write_object_json(out, pass.image[i], &seal);
    }
    out.printf("]}\n");
}

}  // namespace

const char *describe_skip(int reason) {
    switch (reason) {
    case SEALKIT_SKIP_VDSO: return "the vDSO (seal it with --vdso)";
    case SEALKIT_SKIP_UNLOADABLE: return "dlopen'ed without RTLD_NODELETE: dlclose must be able to unmap it";
    case SEALKIT_SKIP_NOT_MARKED: return "--only-marked and no GNU_PROPERTY_MEMORY_SEAL";
    case SEALKIT_SKIP_ALREADY_SEALED: return "already sealed";
    case SEALKIT_SKIP_NO_SEGMENTS: return "no loadable segment";
    default: return "not skipped";
    }
}

long write_report(int fd, const sealkit_report &report, bool json, bool strict) {
    fd_writer out(fd);
    if (json) write_json(out, report, nullptr, strict);
    else write_text(out, report, strict);
    out.flush();
    return out.error();
}

long write_report_with_late_objects(int fd, const sealkit_report &startup, const late_objects &late, bool strict) {
    fd_writer out(fd);
    write_json(out, startup, &late, strict);
    out.flush();
    return out.error();
}

long write_late_pass(int fd, const late_seal &seal, const sealkit_report &pass, bool json, bool strict) {
    fd_writer out(fd);
    if (json) write_late_json(out, seal, pass, strict);
    else write_late_text(out, seal, pass, strict);
    out.flush();
    return out.error();
}

}  // namespace sealkit::startup
