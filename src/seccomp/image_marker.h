// How the exec guard tells the image that sealed from a program exec'd
// later: the sealing image maps one page of a memfd (the marker) and seals
// it with everything else. Threads and fork children share or copy the
// marker; execve drops it with the rest of the address space, and nothing
// can map that memfd again (its descriptor is closed at once, and
// /proc/PID/map_files needs CAP_SYS_ADMIN). So a task whose
// /proc/TID/maps shows the marker's page, with the marker's inode, at the
// marker's address runs the sealing image (or a fork of it); any other
// task has exec'd.
//
//   marker_search search({marker_start, marker_inode});
//   while (!search.finished() && (n = read(fd, buffer, sizeof buffer)) > 0)
//       search.feed(buffer, n);
//   if (search.found()) ... the sealing image: refuse
//
// It also finds the program break for brk requests (heap_end()).
//
// The search reads the text in chunks of any size, allocates nothing and
// is async-signal-safe (the guard process runs it after a raw fork). It
// never trusts the text: a line whose numbers do not parse is skipped, and
// only the whole line "start-... inode" matching both numbers counts.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace sealkit::seccomp {

struct image_marker {
    uint64_t start;  // page address of the marker mapping
    uint64_t inode;  // its memfd's inode number
};

class marker_search {
public:
    // want_heap: also find the top of the heap (brk requests need it), which
    // means reading the whole file.
    explicit marker_search(image_marker marker, bool want_heap = false) : marker_(marker), want_heap_(want_heap) {}

    void feed(const char *text, size_t length);

    // A line for the marker was seen.
    bool found() const { return found_; }
    // Nothing later in the file can change the answer: the marker was
    // found, or a mapping above its address was seen (maps is sorted).
    bool finished() const { return !want_heap_ && (found_ || passed_); }
    // The highest end of a "[heap]" mapping: the program break rounded up
    // to a page; 0 when there is no heap.
    uint64_t heap_end() const { return heap_end_; }

private:
    void end_field();
    void end_line();

    image_marker marker_;
    bool want_heap_;
    uint64_t heap_end_ = 0;
    uint64_t line_end_ = 0;      // the end address of the current line
    unsigned path_matched_ = 0;  // characters of "[heap]" matched so far in the path
    bool path_differs_ = false;
    bool found_ = false;
    bool passed_ = false;
    // Per line: which space-separated field (0 = "start-end"), its number.
    unsigned field_ = 0;
    bool in_end_ = false;      // field 0 after the '-'
    bool bad_line_ = false;    // a character that does not belong
    bool candidate_ = false;   // the start matched the marker
    bool digits_ = false;
    uint64_t value_ = 0;
};

}  // namespace sealkit::seccomp
