// src/startup/report_writer.h: the late passes' text blocks and JSON
// documents, rendered from hand-made reports (the CLI tests,
// tests/cli/run_late_report_test.cpp, render real ones).
#include "startup/report_writer.h"

#include <errno.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <stdio.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

namespace {

using sealkit::startup::late_object;
using sealkit::startup::late_objects;
using sealkit::startup::late_seal;

// What a writer put on a file descriptor.
template <typename Write>
std::string captured(Write write) {
    FILE *file = tmpfile();
    EXPECT_NE(file, nullptr);
    EXPECT_EQ(write(fileno(file)), 0);
    std::string text;
    rewind(file);
    char buffer[4096];
    for (size_t n; (n = fread(buffer, 1, sizeof buffer, file)) > 0;) text.append(buffer, n);
    fclose(file);
    return text;
}

sealkit_image_report sealed_entry(const char *name, unsigned long start) {
    sealkit_image_report entry{};
    entry.name = name;
    entry.start = start;
    entry.end = start + 0x5000;
    entry.bytes_sealed = 0x5000;
    entry.segment_kinds = SEALKIT_SEGMENT_TEXT | SEALKIT_SEGMENT_RELRO;
    entry.runs = 1;
    entry.seal_calls = 1;
    entry.relro_moved = 1;
    entry.nanoseconds = 12000;
    return entry;
}

sealkit_report report_of(std::vector<sealkit_image_report> &entries) {
    sealkit_report report{};
    report.backend = "kernel";
    report.images = static_cast<unsigned>(entries.size());
    report.images_sealed = report.images;
    report.seal_calls = report.images;
    report.bytes_sealed = 0x5000 * entries.size();
    report.image = entries.data();
    return report;
}

TEST(ReportWriter, ALatePassInTextNamesWhatBroughtItAndEachObject) {
    std::vector<sealkit_image_report> entries{sealed_entry("/lib/libplugin.so", 0x7000000),
                                              sealed_entry("/lib/libhelper.so", 0x7100000)};
    sealkit_report pass = report_of(entries);
    std::string text = captured([&](int fd) {
        return sealkit::startup::write_late_pass(fd, late_seal{"/lib/libplugin.so", false, 3, 87000}, pass, false);
    });
    EXPECT_EQ(text.rfind("sealkit: late pass 3, dlopen of /lib/libplugin.so: sealed 2 of 2 objects, 40 KiB in 2 seal "
                         "calls, 87 us (backend kernel)\n  /lib/libplugin.so\n    0x7000000-0x7005000  20 KiB sealed",
                         0),
              0u)
        << text;
    EXPECT_NE(text.find("\n  /lib/libhelper.so\n    0x7100000-0x7105000  20 KiB sealed, 1 run, 1 call, 12 us, "
                        "segments text,relro, RELRO moved to anonymous memory\n"),
              std::string::npos)
        << text;
    std::string caught = captured([&](int fd) {
        return sealkit::startup::write_late_pass(fd, late_seal{"/lib/libplugin.so", true, 1, 0}, pass, false);
    });
    EXPECT_EQ(caught.rfind("sealkit: late pass 1, catch-up of /lib/libplugin.so: ", 0), 0u) << caught;
}

// A crafted name cannot forge lines in text nor break the JSON.
TEST(ReportWriter, ANameWithControlCharactersStaysOnItsLineAndInItsString) {
    const char *crafted = "/tmp/evil\nsealkit: forged\"\\.so";
    std::vector<sealkit_image_report> entries{sealed_entry(crafted, 0x7000000)};
    sealkit_report pass = report_of(entries);
    late_seal seal{crafted, false, 1, 5};
    std::string text = captured([&](int fd) { return sealkit::startup::write_late_pass(fd, seal, pass, false); });
    EXPECT_EQ(text.find("\nsealkit: forged"), std::string::npos) << text;
    std::string json = captured([&](int fd) { return sealkit::startup::write_late_pass(fd, seal, pass, true); });
    ASSERT_EQ(std::count(json.begin(), json.end(), '\n'), 1) << "one document, one line: " << json;
    nlohmann::json document = nlohmann::json::parse(json);
    EXPECT_EQ(document["late_seal"]["opened"], crafted);
    EXPECT_EQ(document["objects"][0]["name"], crafted);
}

// The JSON file's document: start-up objects, then the late ones, and the
// late totals, including the objects the storage had no room for.
TEST(ReportWriter, TheWholeDocumentListsStartupThenLateObjectsAndCountsTheUnlisted) {
    std::vector<sealkit_image_report> startup_entries{sealed_entry("/bin/app", 0x5000000)};
    sealkit_report startup = report_of(startup_entries);
    startup.nanoseconds = 123000;
    std::vector<late_object> items{{sealed_entry("/lib/libplugin.so", 0x7000000), {"/lib/libplugin.so", false, 1, 40}},
                                   {sealed_entry("/lib/libnext.so", 0x7100000), {"/lib/libnext.so", true, 2, 60}}};
    items[1].image.error = EPERM;
    items[1].image.error_step = "relro";
    late_objects late;
    late.items = items.data();
    late.count = items.size();
    late.not_listed = 4;
    late.passes = 2;
    late.totals.images_sealed = 1;
    late.totals.images_failed = 1;
    late.totals.bytes_sealed = 0xa000;
    late.totals.seal_calls = 2;
    late.totals.nanoseconds = 100;
    std::string text = captured(
        [&](int fd) { return sealkit::startup::write_report_with_late_objects(fd, startup, late); });
    nlohmann::json report = nlohmann::json::parse(text);
    EXPECT_EQ(report["images"], 1);
    EXPECT_EQ(report["nanoseconds"], 123000);
    ASSERT_EQ(report["objects"].size(), 3u);
    EXPECT_EQ(report["objects"][0]["name"], "/bin/app");
    EXPECT_EQ(report["objects"][0]["late"], false);
    EXPECT_FALSE(report["objects"][0].contains("pass"));
    EXPECT_EQ(report["objects"][1]["late"], true);
    EXPECT_EQ(report["objects"][1]["sealed_after"], "dlopen");
    EXPECT_EQ(report["objects"][1]["pass_nanoseconds"], 40);
    EXPECT_EQ(report["objects"][2]["sealed_after"], "catch-up");
    EXPECT_EQ(report["objects"][2]["sealed"], false);
    EXPECT_EQ(report["objects"][2]["error"]["step"], "relro");
    EXPECT_EQ(report["late_seals"]["passes"], 2);
    EXPECT_EQ(report["late_seals"]["objects"], 6) << "listed and not listed";
    EXPECT_EQ(report["late_seals"]["objects_not_listed"], 4);
    EXPECT_EQ(report["late_seals"]["objects_failed"], 1);
    EXPECT_EQ(report["late_seals"]["bytes_sealed"], 0xa000);

    // Without start-up objects (a report of none), still one valid document.
    sealkit_report empty{};
    std::string only_late = captured(
        [&](int fd) { return sealkit::startup::write_report_with_late_objects(fd, empty, late); });
    EXPECT_EQ(nlohmann::json::parse(only_late)["objects"].size(), 2u) << only_late;
}

// The start-up report alone is unchanged but for "late": false.
TEST(ReportWriter, TheStartupReportMarksItsObjectsNotLate) {
    std::vector<sealkit_image_report> entries{sealed_entry("/bin/app", 0x5000000)};
    sealkit_report startup = report_of(entries);
    std::string text = captured([&](int fd) { return sealkit::startup::write_report(fd, startup, true); });
    nlohmann::json report = nlohmann::json::parse(text);
    EXPECT_EQ(report["objects"][0]["late"], false);
    EXPECT_FALSE(report.contains("late_seals"));
}

}  // namespace
