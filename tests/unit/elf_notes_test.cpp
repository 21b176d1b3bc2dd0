// The ELF note walker used by startup sealing (GNU_PROPERTY_MEMORY_SEAL) and
// protected memory (the sealkit section note), on hand-made segments with
// both paddings and on the real notes of loaded objects.
#include <gtest/gtest.h>
#include <elf.h>
#include <link.h>

#include <cstring>
#include <string>
#include <vector>

#include "startup/elf_notes.h"

namespace {

using sealkit::startup::elf_note;
using sealkit::startup::for_each_note;
using sealkit::startup::note_named;

struct seen {
    std::vector<std::string> names;
    std::vector<uint32_t> types;
    std::vector<std::vector<unsigned char>> descriptors;
};

bool record(const elf_note &note, void *context) {
    auto &s = *static_cast<seen *>(context);
    s.names.emplace_back(note.name, note.name_size ? note.name_size - 1 : 0);
    s.types.push_back(note.type);
    s.descriptors.emplace_back(note.descriptor, note.descriptor + note.descriptor_size);
    return true;
}

void append_note(std::vector<unsigned char> &out, size_t pad, const char *name, uint32_t type,
                 const std::vector<unsigned char> &descriptor) {
    auto align = [&] { while (out.size() % pad) out.push_back(0); };
    uint32_t header[3] = {static_cast<uint32_t>(strlen(name) + 1), static_cast<uint32_t>(descriptor.size()), type};
    out.insert(out.end(), reinterpret_cast<unsigned char *>(header), reinterpret_cast<unsigned char *>(header) + 12);
    out.insert(out.end(), name, name + strlen(name) + 1);
    align();
    out.insert(out.end(), descriptor.begin(), descriptor.end());
    align();
}

// A GNU property note as the linker writes it on 64-bit: 8-byte aligned, so
// the descriptor starts at 16, not at 12 + 4.
TEST(ElfNotes, EightByteAlignedPropertyNoteIsFoundWithItsDescriptor) {
    std::vector<unsigned char> property = {3, 0, 0, 0, 0, 0, 0, 0};  // GNU_PROPERTY_MEMORY_SEAL, no data
    std::vector<unsigned char> segment;
    append_note(segment, 8, "GNU", NT_GNU_PROPERTY_TYPE_0, property);
    append_note(segment, 8, "GNU", NT_GNU_PROPERTY_TYPE_0, {0xc0, 0, 0, 0xc0, 4, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0});
    seen s;
    for_each_note(segment.data(), segment.size(), 8, record, &s);
    ASSERT_EQ(s.names.size(), 2u);
    EXPECT_EQ(s.names[0], "GNU");
    EXPECT_EQ(s.types[0], static_cast<uint32_t>(NT_GNU_PROPERTY_TYPE_0));
    EXPECT_EQ(s.descriptors[0], property);
    EXPECT_EQ(s.descriptors[1].size(), 16u);
}

TEST(ElfNotes, FourByteAlignedNotesWithOddNames) {
    std::vector<unsigned char> segment;
    append_note(segment, 4, "sealkit", 0x53504d31, {1, 2, 3, 4, 5, 6, 7, 8});
    append_note(segment, 4, "Go", 4, {9});
    seen s;
    for_each_note(segment.data(), segment.size(), 4, record, &s);
    ASSERT_EQ(s.names.size(), 2u);
    EXPECT_EQ(s.names[0], "sealkit");
    EXPECT_EQ(s.descriptors[0], (std::vector<unsigned char>{1, 2, 3, 4, 5, 6, 7, 8}));
    EXPECT_EQ(s.names[1], "Go");
    EXPECT_EQ(s.descriptors[1], std::vector<unsigned char>{9});
}

TEST(ElfNotes, TruncatedOrLyingHeadersStopTheWalk) {
    std::vector<unsigned char> segment;
    append_note(segment, 4, "GNU", 1, {1, 2, 3, 4});
    for (size_t cut = 0; cut < segment.size(); ++cut) {
        seen s;
        for_each_note(segment.data(), cut, 4, record, &s);
        EXPECT_TRUE(s.names.empty()) << cut;
    }
    std::vector<unsigned char> lying = segment;
    uint32_t huge = 0xfffffff0;
    memcpy(lying.data() + 4, &huge, 4);  // descriptor size past the end
    seen s;
    for_each_note(lying.data(), lying.size(), 4, record, &s);
    EXPECT_TRUE(s.names.empty());
}

// Every loaded object's PT_NOTE and PT_GNU_PROPERTY segments walk to their
// end: the build-id note is in every Debian binary.
int walk_loaded(dl_phdr_info *info, size_t, void *context) {
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr) &ph = info->dlpi_phdr[i];
        if (ph.p_type != PT_NOTE && ph.p_type != PT_GNU_PROPERTY) continue;
        for_each_note(reinterpret_cast<const unsigned char *>(info->dlpi_addr + ph.p_vaddr), ph.p_memsz, ph.p_align,
                      record, context);
    }
    return 0;
}

TEST(ElfNotes, RealObjectsNotesAreAllVisited) {
    seen s;
    dl_iterate_phdr(walk_loaded, &s);
    size_t gnu = 0;
    for (auto &name : s.names) gnu += name == "GNU";
    EXPECT_GE(gnu, 3u) << "build-id notes of this program, libc and ld.so at least";
}

}  // namespace
