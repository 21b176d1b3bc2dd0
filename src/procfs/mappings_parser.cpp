#include "procfs/mappings_parser.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

namespace sealkit::procfs {
namespace {

// A cursor over one line; every read checks the end.
struct cursor {
    const char *at;
    const char *end;

    bool done() const { return at >= end; }
    char peek() const { return done() ? '\0' : *at; }
    bool take(char expected) {
        if (peek() != expected) return false;
        ++at;
        return true;
    }
    void skip_spaces() {
        while (!done() && (*at == ' ' || *at == '\t')) ++at;
    }
};

// What each byte can be in maps text, one table lookup per byte: the
// parser runs over every line of every smaps file `status --all` reads.
constexpr uint8_t kNotHex = 0xff;
// What a byte can be in an smaps key ("Pss_Dirty:"): one lookup decides
// whether the key goes on, ends, or is not a key.
enum key_class : uint8_t { kNotKey, kKeyByte, kKeyEnd };
struct char_table {
    uint8_t hex[256];    // value of a hex digit, kNotHex otherwise
    uint8_t key[256];    // after a key's first letter: kKeyByte (letters, digits, '_'), kKeyEnd (':'), kNotKey
    bool letter[256];    // may start an smaps key
};
constexpr char_table make_char_table() {
    char_table t{};
    for (int c = 0; c < 256; ++c) {
        t.hex[c] = kNotHex;
        const bool lower = c >= 'a' && c <= 'z', upper = c >= 'A' && c <= 'Z', digit = c >= '0' && c <= '9';
        t.letter[c] = lower || upper;
        t.key[c] = lower || upper || digit || c == '_' ? kKeyByte : c == ':' ? kKeyEnd : kNotKey;
        if (digit) t.hex[c] = static_cast<uint8_t>(c - '0');
        if (c >= 'a' && c <= 'f') t.hex[c] = static_cast<uint8_t>(c - 'a' + 10);
        if (c >= 'A' && c <= 'F') t.hex[c] = static_cast<uint8_t>(c - 'A' + 10);
    }
    return t;
}
constexpr char_table kChars = make_char_table();

int hex_digit(char c) {
    const uint8_t value = kChars.hex[static_cast<unsigned char>(c)];
    return value == kNotHex ? -1 : value;
}

// At least one hex digit, no overflow.
bool read_hex(cursor &c, uint64_t &value) {
    value = 0;
    const char *first = c.at;
    int digit;
    while (!c.done() && (digit = hex_digit(*c.at)) >= 0) {
        if (value > (UINT64_MAX >> 4)) return false;
        value = (value << 4) | static_cast<uint64_t>(digit);
        ++c.at;
    }
    return c.at != first;
}

bool read_decimal(cursor &c, uint64_t &value) {
    value = 0;
    const char *first = c.at;
    while (!c.done() && *c.at >= '0' && *c.at <= '9') {
        uint64_t digit = static_cast<uint64_t>(*c.at - '0');
        if (value > (UINT64_MAX - digit) / 10) return false;
        value = value * 10 + digit;
        ++c.at;
    }
    return c.at != first;
}

// An smaps detail line starts with a key: a letter, then letters, digits or
// underscores, then ':' ("Rss:", "Pss_Dirty:", "THPeligible:"). Returns the
// key's length (before the ':'), 0 when the line does not start with one.
size_t key_length(const char *line, size_t length) {
    if (length == 0 || !kChars.letter[static_cast<unsigned char>(line[0])]) return 0;
    size_t i = 1;
    while (i < length && kChars.key[static_cast<unsigned char>(line[i])] == kKeyByte) ++i;
    return i < length && line[i] == ':' ? i : 0;
}

// "Rss:   1234 kB" -> 1234. False when the value is not a number.
bool read_kib_value(const char *line, size_t length, size_t key_length, uint64_t &value) {
    cursor c{line + key_length, line + length};
    c.skip_spaces();
    return read_decimal(c, value);
}

bool vmflags_contain_sealed(const char *flags, size_t length) {
    // Two-letter mnemonics separated by spaces: "rd wr mr mw me ac sl ".
    cursor c{flags, flags + length};
    while (true) {
        c.skip_spaces();
        if (c.done()) return false;
        const char *word = c.at;
        while (!c.done() && *c.at != ' ') ++c.at;
        if (c.at - word == 2 && word[0] == 's' && word[1] == 'l') return true;
    }
}

constexpr char kDeletedSuffix[] = " (deleted)";
constexpr size_t kDeletedSuffixLength = sizeof(kDeletedSuffix) - 1;

}  // namespace

mappings_parser::mappings_parser(mapping_visitor visitor, void *context)
    : visitor_(visitor), context_(context) {}

mappings_parser::~mappings_parser() { free(path_storage_); }

bool mappings_parser::feed_line(const char *line, size_t length) {
    if (stopped_) return false;
    // The kernel never prints a NUL in maps; a line with one is not from
    // the kernel, and its path would read shorter than it is.
    if (length != 0 && memchr(line, '\0', length) != nullptr) {
        ++malformed_lines_;
        return true;
    }
    return feed_line_without_nul(line, length);
}

bool mappings_parser::feed_line_without_nul(const char *line, size_t length) {
    if (stopped_) return false;
    if (length == 0) return true;
    // A header line starts with the hex start address and a '-'; detail
    // lines of smaps start with a key ("Rss:", "VmFlags:"). No key is a run
    // of hex digits followed by '-', and most keys do not even start with
    // a hex digit, so most detail lines skip the header test.
    if (kChars.hex[static_cast<unsigned char>(line[0])] != kNotHex) {
        cursor c{line, line + length};
        uint64_t ignored;
        if (read_hex(c, ignored) && c.peek() == '-') {
            if (!deliver_pending()) return false;
            if (!parse_header(line, length)) ++malformed_lines_;
            return !stopped_;
        }
    }
    const size_t key = has_pending_ ? key_length(line, length) : 0;
    if (key != 0) {
        parse_detail(line, length, key);
    } else {
        // Not a header, not a "Key: value" line after one: a broken header
        // (an overflowing address, say) or garbage. Never silently dropped.
        ++malformed_lines_;
    }
    return !stopped_;
}

bool mappings_parser::finish() {
    if (stopped_) return false;
    return deliver_pending();
}

bool mappings_parser::deliver_pending() {
    if (!has_pending_) return true;
    has_pending_ = false;
    ++mappings_seen_;
    if (!visitor_(pending_, context_)) stopped_ = true;
    return !stopped_;
}

void mappings_parser::store_path(const char *path, size_t length) {
    if (length + 1 > path_capacity_) {
        size_t capacity = path_capacity_ ? path_capacity_ : 256;
        while (capacity < length + 1) capacity *= 2;
        char *grown = static_cast<char *>(realloc(path_storage_, capacity));
        if (grown == nullptr) {
            storage_error_ = -ENOMEM;
            length = path_capacity_ ? path_capacity_ - 1 : 0;
        } else {
            path_storage_ = grown;
            path_capacity_ = capacity;
        }
    }
    if (path_storage_ == nullptr) {
        pending_.path = "";
        pending_.path_length = 0;
        return;
    }
    memcpy(path_storage_, path, length);
    path_storage_[length] = '\0';
    pending_.path = path_storage_;
    pending_.path_length = length;
}

// "7f0000000000-7f0000001000 r-xp 00001000 fd:01 1234    /usr/lib/x y.so"
bool mappings_parser::parse_header(const char *line, size_t length) {
    mapping m;
    cursor c{line, line + length};
    uint64_t start, end, offset, major, minor, inode;
    if (!read_hex(c, start) || !c.take('-') || !read_hex(c, end) || end < start) return false;
    if (!c.take(' ')) return false;
    if (c.end - c.at < 4) return false;
    const char perms[4] = {c.at[0], c.at[1], c.at[2], c.at[3]};
    if ((perms[0] != 'r' && perms[0] != '-') || (perms[1] != 'w' && perms[1] != '-') ||
        (perms[2] != 'x' && perms[2] != '-') || (perms[3] != 'p' && perms[3] != 's'))
        return false;
    c.at += 4;
    m.prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
             (perms[2] == 'x' ? PROT_EXEC : 0);
    m.shared = perms[3] == 's';
    if (!c.take(' ') || !read_hex(c, offset)) return false;
    if (!c.take(' ') || !read_hex(c, major) || !c.take(':') || !read_hex(c, minor)) return false;
    if (major > 0xffffffffu || minor > 0xffffffffu) return false;
    if (!c.take(' ') || !read_decimal(c, inode)) return false;
    // The path column is padded with spaces; anything after them, spaces
    // included, is the path.
    c.skip_spaces();
    const char *path = c.at;
    size_t path_length = static_cast<size_t>(c.end - c.at);
    if (path_length >= kDeletedSuffixLength &&
        memcmp(path + path_length - kDeletedSuffixLength, kDeletedSuffix, kDeletedSuffixLength) == 0) {
        m.deleted = true;
        path_length -= kDeletedSuffixLength;
    }
    m.start = static_cast<uintptr_t>(start);
    m.end = static_cast<uintptr_t>(end);
    m.offset = offset;
    m.dev_major = static_cast<unsigned>(major);
    m.dev_minor = static_cast<unsigned>(minor);
    m.inode = inode;
    pending_ = m;
    store_path(path, path_length);
    has_pending_ = true;
    return true;
}

// `key` is the key's length: line[key] is its ':'.
void mappings_parser::parse_detail(const char *line, size_t length, size_t key) {
    auto is = [&](const char *name, size_t name_length) { return key == name_length && memcmp(line, name, key) == 0; };
    uint64_t value;
    if (is("VmFlags", 7)) {
        pending_.has_details = true;
        pending_.has_vmflags = true;
        pending_.sealed = vmflags_contain_sealed(line + 8, length - 8);
    } else if (is("Size", 4)) {
        pending_.has_details = true;
        if (read_kib_value(line, length, key + 1, value)) pending_.size_kib = value;
        else ++malformed_lines_;
    } else if (is("Rss", 3)) {
        if (read_kib_value(line, length, key + 1, value)) pending_.rss_kib = value;
        else ++malformed_lines_;
    } else if (is("Anonymous", 9)) {
        if (read_kib_value(line, length, key + 1, value)) pending_.anonymous_kib = value;
        else ++malformed_lines_;
    }
    // Every other "Key: value" line of smaps is valid and not needed.
}

size_t parse_mappings_text(const char *text, size_t length, mapping_visitor visitor, void *context) {
    mappings_parser parser(visitor, context);
    const char *at = text;
    const char *end = text + length;
    // One look for a NUL in the whole text, rather than one per line.
    const bool has_nul = length != 0 && memchr(text, '\0', length) != nullptr;
    while (at < end) {
        const char *newline = static_cast<const char *>(memchr(at, '\n', static_cast<size_t>(end - at)));
        const char *line_end = newline ? newline : end;
        const size_t line_length = static_cast<size_t>(line_end - at);
        const bool fed = has_nul ? parser.feed_line(at, line_length) : parser.feed_line_without_nul(at, line_length);
        if (!fed) return parser.malformed_lines();
        at = newline ? newline + 1 : end;
    }
    parser.finish();
    return parser.malformed_lines();
}

}  // namespace sealkit::procfs
