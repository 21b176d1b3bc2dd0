// libsealkit.so is a C library that depends on libc alone (sealkit.hpp,
// cmake/sealkit_core.cmake): it needs only libc.so.6, exports exactly the
// sealkit_* functions its public headers declare, and carries no C++ symbol or
// libstdc++ reference. A C program links and runs against it.
#include <dirent.h>
#include <stdio.h>

#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "test_support.h"

namespace {

using namespace sealkit_test;

struct command_result {
    int status = -1;
    std::string output;
};

command_result run_command(const std::string &command) {
    command_result result;
    FILE *pipe = popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) return result;
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
    result.status = pclose(pipe);
    return result;
}

std::vector<std::string> lines_of(const std::string &text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
    return lines;
}

struct dynamic_symbol {
    char type;
    std::string name;     // without the version
    std::string version;  // after @ or @@, may be empty
};

// `nm -D` lines: "ADDRESS TYPE NAME[@[@]VERSION]" or "         TYPE NAME".
std::vector<dynamic_symbol> dynamic_symbols(const std::string &options) {
    command_result nm = run_command("nm -D " + options + " '" SEALKIT_SHARED_LIBRARY "'");
    EXPECT_EQ(nm.status, 0) << nm.output;
    std::vector<dynamic_symbol> symbols;
    for (const std::string &line : lines_of(nm.output)) {
        std::istringstream words(line);
        std::vector<std::string> w;
        std::string word;
        while (words >> word) w.push_back(word);
        if (w.size() < 2) continue;
        const std::string &type = w[w.size() - 2];
        const std::string &full = w.back();
        if (type.size() != 1) continue;
        dynamic_symbol s;
        s.type = type[0];
        size_t at = full.find('@');
        s.name = full.substr(0, at);
        if (at != std::string::npos) s.version = full.substr(full.find_first_not_of('@', at));
        symbols.push_back(s);
    }
    return symbols;
}

// The functions the public headers (include/sealkit/*.h) declare with
// SEALKIT_API: comments and preprocessor lines removed, then the name before
// the first '(' of each declaration.
std::set<std::string> documented_functions() {
    std::set<std::string> names;
    const std::string directory = std::string(SEALKIT_SOURCE_DIR) + "/include/sealkit";
    std::unique_ptr<DIR, int (*)(DIR *)> dir(opendir(directory.c_str()), closedir);
    EXPECT_NE(dir, nullptr) << directory;
    if (!dir) return names;
    const std::regex declaration(R"(SEALKIT_API\b([^;]*?)\b([A-Za-z_][A-Za-z0-9_]*)\s*\()");
    while (struct dirent *entry = readdir(dir.get())) {
        const std::string file = entry->d_name;
        if (file.size() < 3 || file.compare(file.size() - 2, 2, ".h") != 0) continue;
        std::ifstream in(directory + "/" + file);
        std::stringstream buffer;
        buffer << in.rdbuf();
        std::string text = buffer.str();
        text = std::regex_replace(text, std::regex(R"(/\*[\s\S]*?\*/)"), " ");
        text = std::regex_replace(text, std::regex(R"(//[^\n]*)"), " ");
        text = std::regex_replace(text, std::regex(R"((^|\n)[ \t]*#[^\n]*)"), "\n");
        for (std::sregex_iterator it(text.begin(), text.end(), declaration), end; it != end; ++it)
            names.insert((*it)[2].str());
    }
    return names;
}

TEST(Linkage, HeaderDeclaresTheKnownApi) {
    // Guards the header parser below: the original API must be found.
    std::set<std::string> documented = documented_functions();
    for (const char *name : {"sealkit_seal", "sealkit_mimmutable", "sealkit_is_sealed", "sealkit_backend",
                             "sealkit_backend_name", "sealkit_backend_reason", "sealkit_version",
                             "sealkit_map_private", "sealkit_protect", "sealkit_unmap"})
        EXPECT_EQ(documented.count(name), 1u) << name << " not found in sealkit.h";
    for (const std::string &name : documented) EXPECT_EQ(name.rfind("sealkit_", 0), 0u) << name;
}

TEST(Linkage, NeedsOnlyLibc) {
    command_result readelf = run_command("readelf -d --wide '" SEALKIT_SHARED_LIBRARY "'");
    ASSERT_EQ(readelf.status, 0) << readelf.output;
    std::set<std::string> needed;
    const std::regex entry(R"(\(NEEDED\)\s+Shared library: \[([^\]]+)\])");
    for (const std::string &line : lines_of(readelf.output)) {
        std::smatch m;
        if (std::regex_search(line, m, entry)) needed.insert(m[1].str());
    }
    EXPECT_EQ(needed, std::set<std::string>{"libc.so.6"}) << readelf.output;
}

TEST(Linkage, ExportsExactlyTheDocumentedFunctions) {
    std::set<std::string> exported;
    for (const dynamic_symbol &s : dynamic_symbols("--defined-only")) {
        if (s.type == 'A') continue;  // the version node itself (SEALKIT_0)
        exported.insert(s.name);
        EXPECT_EQ(s.type, 'T') << s.name << " is exported but is not a function";
        EXPECT_EQ(s.version, "SEALKIT_0") << s.name << " is not in the SEALKIT_0 version node";
    }
    EXPECT_EQ(exported, documented_functions())
        << "exported symbols (left) must be exactly the SEALKIT_API functions of include/sealkit/*.h (right)";
}

TEST(Linkage, HasNoCxxSymbolsOrCxxRuntimeReferences) {
    for (const dynamic_symbol &s : dynamic_symbols("")) {
        EXPECT_NE(s.name.rfind("_Z", 0), 0u) << "C++ symbol: " << s.name;
        EXPECT_EQ(s.version.find("GLIBCXX"), std::string::npos) << s.name << "@" << s.version;
        EXPECT_EQ(s.version.find("CXXABI"), std::string::npos) << s.name << "@" << s.version;
    }
    // Every undefined (strong) reference is resolved by glibc.
    for (const dynamic_symbol &s : dynamic_symbols("--undefined-only")) {
        if (s.type != 'U') continue;  // weak references (w) may stay unresolved
        EXPECT_EQ(s.version.rfind("GLIBC_", 0), 0u) << s.name << "@" << s.version << " does not come from libc";
    }
}

TEST(Linkage, CProgramLinksAndRunsAgainstTheSharedLibrary) {
    const std::string consumer = program_path("api_c_consumer");
    command_result readelf = run_command("readelf -d --wide '" + consumer + "'");
    ASSERT_EQ(readelf.status, 0) << readelf.output;
    EXPECT_NE(readelf.output.find("[libsealkit.so"), std::string::npos) << "linked against the shared library";
    EXPECT_EQ(readelf.output.find("libstdc++"), std::string::npos) << readelf.output;

    if (!kernel_has_mseal()) GTEST_SKIP() << "this kernel has no mseal(2): the consumer expects the kernel backend";
    outcome run = run_program(consumer, {}, {{}, {"SEALKIT_BACKEND", "LD_PRELOAD"}});
    EXPECT_EQ(run.exit_code(), 0) << run.describe();
    EXPECT_EQ(field(run.output, "result"), std::optional<std::string>("ok"));
}

}  // namespace
