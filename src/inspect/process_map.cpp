#include "inspect/process_map.h"

#include <utility>

namespace sealkit::inspect {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

object_kind kind_of_kernel_name(std::string_view name) {
    if (name == "[vdso]") return object_kind::vdso;
    if (name == "[vvar]" || name == "[vvar_vclock]") return object_kind::vvar;
    if (name == "[stack]" || starts_with(name, "[stack:")) return object_kind::stack;  // [stack:TID]: before 4.5
    if (name == "[heap]") return object_kind::heap;
    if (starts_with(name, "[anon:")) return object_kind::named_anonymous;
    return object_kind::special;
}

constexpr std::string_view kDeletedSuffix = " (deleted)";

}  // namespace

const char *kind_name(object_kind kind) {
    switch (kind) {
    case object_kind::executable: return "executable";
    case object_kind::library: return "library";
    case object_kind::file: return "file";
    case object_kind::vdso: return "vdso";
    case object_kind::vvar: return "vvar";
    case object_kind::stack: return "stack";
    case object_kind::heap: return "heap";
    case object_kind::anonymous: return "anonymous";
    case object_kind::named_anonymous: return "named-anonymous";
    case object_kind::special: return "special";
    }
    return "special";
}

process_map_builder::process_map_builder() {
    // Enough kept mappings for a typical process; growth past that is
    // amortised.
    map_.mappings.reserve(256);
}

uint32_t process_map_builder::new_object(std::string name, object_kind kind) {
    memory_object object;
    object.name = std::move(name);
    object.kind = kind;
    map_.objects.push_back(std::move(object));
    return static_cast<uint32_t>(map_.objects.size() - 1);
}

uint32_t process_map_builder::object_for_file(std::string_view path, bool deleted) {
    // Mappings of one file come one after another: check the last file
    // before hashing.
    if (last_file_ != kNoObject && deleted == last_file_deleted_ && path == last_file_path_) return last_file_;
    name_index &index = deleted ? deleted_files_ : files_;
    auto found = index.find(path);
    uint32_t id;
    if (found != index.end()) {
        id = found->second;
    } else {
        std::string name(path);
        if (deleted) name += kDeletedSuffix;
        id = new_object(std::move(name), object_kind::file);
        index.emplace(std::string(path), id);
    }
    last_file_ = id;
    last_file_deleted_ = deleted;
    last_file_path_.assign(path);  // reuses its buffer: no allocation per object change
    return id;
}

uint32_t process_map_builder::object_for_name(std::string_view name) {
    auto found = named_.find(name);
    if (found != named_.end()) return found->second;
    uint32_t id = new_object(std::string(name), kind_of_kernel_name(name));
    named_.emplace(std::string(name), id);
    return id;
}

uint32_t process_map_builder::anonymous_object() {
    if (anonymous_ == kNoObject) anonymous_ = new_object("anonymous", object_kind::anonymous);
    return anonymous_;
}

void process_map_builder::add(const procfs::mapping &m) {
    mapping_record record;
    record.start = m.start;
    record.end = m.end;
    record.offset = m.offset;
    record.prot = static_cast<uint8_t>(m.prot);
    record.shared = m.shared;
    record.sealed = m.sealed;
    record.file_backed = m.is_file_backed();
    if (!m.has_vmflags) map_.missing_vmflags = true;

    ++map_.mapping_count;
    if (m.sealed) ++map_.sealed_mapping_count;
    if (record.file_backed) {
        map_.file_backed_bytes += record.length();
        if (m.sealed) map_.sealed_file_backed_bytes += record.length();
    }

    std::string_view path(m.path, m.path_length);
    uint32_t tail_owner = kNoObject;
    if (path.empty()) {  // (a nameless mapping with an inode is rare: a device's; it is still memory without a name)
        record.object = anonymous_object();
        // Anonymous memory right after a file object's last mapping (or
        // after such memory) may be that object's .bss.
        if (m.start == previous_end_ && previous_tail_owner_ != kNoObject) {
            record.tail_of = previous_tail_owner_;
            tail_owner = previous_tail_owner_;
        }
    } else if (!record.file_backed && path.front() == '[') {
        record.object = object_for_name(path);
    } else {
        record.object = object_for_file(path, m.deleted);
        tail_owner = record.object;
    }
    previous_tail_owner_ = tail_owner;
    previous_end_ = m.end;

    memory_object &object = map_.objects[record.object];
    bool keep = object.kind == object_kind::file || object.kind == object_kind::vdso || record.tail_of != kNoObject;
    if (!keep) {
        mapping_totals &totals = object.unkept;
        if (totals.mappings == 0) totals.first_address = m.start;
        ++totals.mappings;
        totals.bytes += record.length();
        if (m.sealed) {
            ++totals.sealed_mappings;
            totals.sealed_bytes += record.length();
        }
        return;
    }
    size_t index = map_.mappings.size();
    if (object.first_mapping == kNoMapping) object.first_mapping = index;
    bool holds_header = (object.kind == object_kind::file && record.offset == 0) || object.kind == object_kind::vdso;
    if (object.header_mapping == kNoMapping && holds_header) object.header_mapping = index;
    map_.mappings.push_back(record);
}

bool process_map_builder::visit(const procfs::mapping &m, void *context) {
    static_cast<process_map_builder *>(context)->add(m);
    return true;
}

process_map process_map_builder::finish() {
    process_map done = std::move(map_);
    *this = process_map_builder();
    return done;
}

}  // namespace sealkit::inspect
