#include "seccomp/image_marker.h"

namespace sealkit::seccomp {
namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

constexpr char kHeapName[] = "[heap]";
constexpr unsigned kHeapNameLength = sizeof kHeapName - 1;

}  // namespace

// A maps line: "start-end perms offset dev inode   path". Fields 0
// (start-end, hexadecimal), 4 (inode, decimal) and 5 (the path) matter.
void marker_search::end_field() {
    if (field_ == 4 && candidate_ && !bad_line_ && digits_ && value_ == marker_.inode) found_ = true;
    field_++;
    digits_ = false;
    value_ = 0;
}

void marker_search::end_line() {
    if (field_ == 4) end_field();
    if (!bad_line_ && field_ >= 5 && path_matched_ == kHeapNameLength && !path_differs_ && line_end_ > heap_end_)
        heap_end_ = line_end_;
    field_ = 0;
    in_end_ = bad_line_ = candidate_ = digits_ = path_differs_ = false;
    path_matched_ = 0;
    value_ = line_end_ = 0;
}

void marker_search::feed(const char *text, size_t length) {
    for (size_t i = 0; i < length && !finished(); ++i) {
        const char c = text[i];
        if (c == '\n') {
            end_line();
            continue;
        }
        if (bad_line_) continue;  // skip to the end of the line
        if (field_ >= 5) {
            // The path: only "[heap]" (exactly) is of interest.
            if (path_matched_ == 0 && c == ' ' && !path_differs_) continue;  // the padding before it
            if (path_matched_ < kHeapNameLength && c == kHeapName[path_matched_]) path_matched_++;
            else path_differs_ = true;
            continue;
        }
        if (field_ == 0) {
            if (c == '-' && !in_end_) {
                if (!digits_) {
                    bad_line_ = true;
                    continue;
                }
                if (value_ == marker_.start) candidate_ = true;
                else if (value_ > marker_.start) passed_ = true;
                in_end_ = true;
                digits_ = false;
                value_ = 0;
                continue;
            }
            if (c == ' ') {
                if (!in_end_ || !digits_) bad_line_ = true;
                line_end_ = value_;
                end_field();
                continue;
            }
            const int digit = hex_digit(c);
            if (digit < 0 || value_ > (UINT64_MAX >> 4)) {
                bad_line_ = true;
                continue;
            }
            value_ = value_ << 4 | static_cast<uint64_t>(digit);
            digits_ = true;
            continue;
        }
        if (c == ' ') {
            if (field_ == 4 && !digits_) continue;  // tolerate padding before the inode
            end_field();
            continue;
        }
        if (field_ == 4) {
            if (c < '0' || c > '9' || value_ > (UINT64_MAX - 9) / 10) {
                bad_line_ = true;
                continue;
            }
            value_ = value_ * 10 + static_cast<uint64_t>(c - '0');
            digits_ = true;
        }
    }
}

}  // namespace sealkit::seccomp
