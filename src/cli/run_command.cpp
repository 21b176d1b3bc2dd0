#include "run_command.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <optional>
#include <vector>


#include "audit/elf_facts.h"
#include "audit/file_source.h"
#include "exit_status.h"

#ifndef SEALKIT_INSTALL_LIBDIR
#define SEALKIT_INSTALL_LIBDIR "lib"
#endif

extern char **environ;

namespace sealkit::cli {
namespace {

bool readable_file(const std::string &path) { return !path.empty() && access(path.c_str(), R_OK) == 0; }

std::string directory_of_this_executable() {
    char path[4096];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0) return {};
    path[n] = '\0';
    std::string self(path);
    return self.substr(0, self.rfind('/'));
}

// The program as execvp would find it, or "" when it is nowhere on PATH.
std::string resolve_program(const std::string &name) {
    if (name.find('/') != std::string::npos) return name;
    const char *path = getenv("PATH");
    std::string search = path ? path : "/usr/local/bin:/usr/bin:/bin";
    size_t at = 0;
    while (at <= search.size()) {
        size_t end = search.find(':', at);
        if (end == std::string::npos) end = search.size();
        std::string directory = search.substr(at, end - at);
        std::string candidate = (directory.empty() ? std::string(".") : directory) + "/" + name;
        if (access(candidate.c_str(), X_OK) == 0) return candidate;
        at = end + 1;
    }
    return {};
}

// Whether the ELF file's program headers include a PT_INTERP, for a file
// the audit's parser refused as truncated or malformed in some part the
// kernel never reads (a note past the end of the file, say), which still
// runs. Reads only the ELF header and the header table (the kernel's limit:
// 64 KiB); nullopt when even those cannot be read.
std::optional<bool> names_an_interpreter(const std::string &path) {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    unsigned char header[sizeof(Elf64_Ehdr)] = {};
    std::optional<bool> answer;
    if (pread(fd, header, sizeof header, 0) == static_cast<ssize_t>(sizeof header)) {
        const bool is_64_bit = header[EI_CLASS] == ELFCLASS64;
        uint64_t table = 0, entry_size = 0, entries = 0;
        if (is_64_bit) {
            Elf64_Ehdr h;
            memcpy(&h, header, sizeof h);
            table = h.e_phoff, entry_size = h.e_phentsize, entries = h.e_phnum;
        } else {
            Elf32_Ehdr h;
            memcpy(&h, header, sizeof h);
            table = h.e_phoff, entry_size = h.e_phentsize, entries = h.e_phnum;
        }
        const uint64_t bytes = entry_size * entries;
        if (entry_size >= sizeof(uint32_t) && bytes <= 65536) {
            std::vector<unsigned char> headers(bytes);
            if (pread(fd, headers.data(), bytes, static_cast<off_t>(table)) == static_cast<ssize_t>(bytes)) {
                answer = false;
                for (uint64_t i = 0; i < entries; ++i) {
                    uint32_t type;  // p_type leads both classes' program headers
                    memcpy(&type, headers.data() + i * entry_size, sizeof type);
                    if (type == PT_INTERP) answer = true;
                }
            }
        }
    }
    close(fd);
    return answer;
}

// Why LD_PRELOAD cannot reach the program's own process, or "" when it can
// (or when that cannot be told: a script, whose interpreter is what gets the
// preload; a file this user may execute but not read, which ld.so maps
// all the same; anything exec will report itself). From the ELF headers, as
// `sealkit audit` reads them:
//   - a static executable or static-pie has no PT_INTERP, so no ld.so runs
//     to load the preload. ld.so itself, run as a program
//     (`/lib64/ld-linux-x86-64.so.2 PROGRAM`), is a shared object: it loads
//     the preload like any other interpreter and is not static. A file the
//     audit refuses as truncated or malformed is static when none of its
//     program headers is a PT_INTERP;
//   - a program of another class or machine than the preload (a 32-bit or
//     x32 program on x86-64): its loader refuses the preload ("wrong ELF
//     class"), prints one line and runs the program unsealed.
std::string why_the_preload_cannot_reach(const std::string &path, const std::string &preload) {
    constexpr const char *kStatic = "is statically linked: LD_PRELOAD cannot reach it";
    auto facts_of = [](const char *file_path, audit::elf_facts &facts) {
        audit::file_source file;
        std::string problem;
        if (file.open(AT_FDCWD, file_path) != 0 || file.not_regular()) return audit::facts_error::read_failed;
        return audit::read_elf_facts(file, &facts, &problem);
    };
    audit::elf_facts program, preloaded;
    switch (facts_of(path.c_str(), program)) {
    case audit::facts_error::none: break;
    case audit::facts_error::truncated:
    case audit::facts_error::malformed: return names_an_interpreter(path) == false ? kStatic : "";
    case audit::facts_error::not_elf:
    case audit::facts_error::read_failed: return {};
    }
    if (program.is_static) return kStatic;
    if (facts_of(preload.c_str(), preloaded) == audit::facts_error::none &&
        (program.is_64_bit != preloaded.is_64_bit || program.machine != preloaded.machine))
        return fmt::format("is a {}-bit {} program: the preload, built for {}-bit {}, cannot be loaded into it",
                           program.is_64_bit ? 64 : 32, audit::machine_name(program.machine),
                           preloaded.is_64_bit ? 64 : 32, audit::machine_name(preloaded.machine));
    return {};
}

void set(const char *name, const std::string &value) { setenv(name, value.c_str(), 1); }

// The options of `run` that are flags: given alone or not at all. CLI11
// would take `--enforce=2` or `--quiet=no` as a value for them; sealkit
// refuses such a word instead of guessing what it meant.
const char *const kFlags[] = {"--vdso", "--only-marked", "--enforce", "--quiet", "--lockdown"};

// The usage line with the program part, which CLI11 never sees (it is split
// off before parsing): "Usage: sealkit run [OPTIONS] -- PROGRAM [ARGS...]".
class run_usage : public CLI::Formatter {
public:
    std::string make_usage(const CLI::App *app, std::string name) const override {
        std::string line = CLI::Formatter::make_usage(app, std::move(name));
        while (!line.empty() && line.back() == '\n') line.pop_back();
        return line + " -- PROGRAM [ARGS...]\n";
    }
};

// Why path cannot be the preload (null when it can be): it must be a
// readable regular file that starts as an ELF object does.
const char *why_not_a_preload(const char *path) {
    struct stat facts;
    if (stat(path, &facts) != 0) return strerror(errno);
    if (!S_ISREG(facts.st_mode)) return "not a regular file";
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return strerror(errno);
    unsigned char magic[4] = {};
    const ssize_t got = read(fd, magic, sizeof magic);
    close(fd);
    if (got != 4 || memcmp(magic, "\x7f" "ELF", 4) != 0) return "not an ELF shared object";
    return nullptr;
}

}  // namespace

std::string find_preload() {
    if (const char *forced = getenv("SEALKIT_PRELOAD_PATH"); forced && *forced) {
        // Absolute, so the loader finds it whatever the program's directory.
        char resolved[4096];
        return realpath(forced, resolved) ? std::string(resolved) : std::string(forced);
    }
    const std::string here = directory_of_this_executable();
    for (const std::string &candidate :
         {here + "/../lib/libsealkit-preload.so", here + "/../" SEALKIT_INSTALL_LIBDIR "/libsealkit-preload.so"}) {
        if (readable_file(candidate)) {
            char resolved[4096];
            return realpath(candidate.c_str(), resolved) ? std::string(resolved) : candidate;
        }
    }
    return {};
}

CLI::App *add_run_command(CLI::App &app, run_options &options) {
    CLI::App *run = app.add_subcommand("run", "Run a program with every loaded ELF image sealed before its main().");
    run->formatter(std::make_shared<run_usage>());
    run->add_flag("--vdso", options.vdso, "Also seal [vdso] and [vvar] (SEALKIT_VDSO=1)");
    run->add_flag("--only-marked", options.only_marked,
                  "glibc's opt-in rule: seal only objects with GNU_PROPERTY_MEMORY_SEAL (SEALKIT_ONLY_MARKED=1)");
    run->add_option("--relro", options.relro,
                    "anonymous (default): move RELRO to anonymous memory first, so MADV_DONTNEED cannot revert "
                    "it; file: leave it file-backed; strict: as anonymous, and every sealed range (text and "
                    "rodata included) also refuses every discard madvise, as OpenBSD's mimmutable does: one "
                    "seccomp filter more (SEALKIT_RELRO)")
        ->check(CLI::IsMember({"anonymous", "file", "strict"}));
    run->add_option("--dlopen", options.dlopen,
                    "Objects dlopen'ed after start-up: nodelete (default): seal those that can never be unloaded "
                    "(RTLD_NODELETE, DF_1_NODELETE); pin: make every one permanent (dlclose does nothing) and seal "
                    "it; off: seal nothing after start-up (SEALKIT_DLOPEN)")
        ->check(CLI::IsMember({"nodelete", "pin", "off"}));
    run->add_flag("--enforce", options.enforce,
                  "Any sealing failure stops the program before main, exit status 125 (SEALKIT_ENFORCE=1)");
    run->add_flag("--quiet", options.quiet, "No warning on stderr when sealing fails (SEALKIT_QUIET=1)");
    run->add_flag("--lockdown", options.lockdown,
                  "Also freeze protected data and deny write-execute memory for good: breaks JIT compilers "
                  "(SEALKIT_LOCKDOWN=1)");
    run->add_option("--report", options.report,
                    "Write a report of what was sealed, to FILE or (no FILE) stderr; %p in FILE becomes the pid "
                    "(SEALKIT_REPORT)")
        ->expected(0, 1)
        ->type_name("[=FILE]");
    run->add_option("--report-format", options.report_format, "text (default) or json (SEALKIT_REPORT_FORMAT)")
        ->check(CLI::IsMember({"text", "json"}));
    run->add_option("--backend", options.backend, "auto, kernel, seccomp or none (SEALKIT_BACKEND)")
        ->check(CLI::IsMember({"auto", "kernel", "seccomp", "none"}));
    run->footer(
        "Examples:\n"
        "  sealkit run -- /usr/bin/python3 app.py\n"
        "  sealkit run --enforce --report=/run/sealkit/%p.json --report-format=json -- myservice\n\n"
        "The program's own exit status is passed through. Exit status of sealkit itself:\n"
        "  2    usage error\n"
        "  125  libsealkit-preload.so not found, the program cannot be sealed (static) under --enforce,\n"
        "       or (from the preload) a sealing failure under --enforce\n"
        "  126  the program cannot be executed\n"
        "  127  the program was not found\n" +
        std::string(kSeeManual));
    return run;
}

int split_run_arguments(int argc, char **argv, run_options &options) {
    std::vector<std::string> &command = options.command;
    if (argc < 2 || strcmp(argv[1], "run") != 0) return argc;
    // Options of `run` that take their value as the next word.
    static const char *const kTakesValue[] = {"--relro", "--report-format", "--backend", "--dlopen"};
    for (int i = 2; i < argc; ++i) {
        const char *word = argv[i];
        if (strcmp(word, "--") == 0) {
            command.assign(argv + i + 1, argv + argc);
            return i;
        }
        if (word[0] == '-') {
            for (const char *flag : kFlags) {
                const size_t length = strlen(flag);
                if (strncmp(word, flag, length) == 0 && word[length] == '=') {
                    options.flag_given_a_value = word;  // CLI11 parses the words before it only
                    return i;
                }
            }
            for (const char *option : kTakesValue)
                if (strcmp(word, option) == 0 && i + 1 < argc) ++i;
            continue;
        }
        command.assign(argv + i, argv + argc);
        return i;
    }
    return argc;
}

int run_program(const run_options &options) {
    if (!options.flag_given_a_value.empty()) {
        const std::string &word = options.flag_given_a_value;
        fmt::print(stderr, "sealkit run: {} takes no value ('{}'): give {} alone, or leave it out (see 'sealkit run --help').\n",
                   word.substr(0, word.find('=')), word, word.substr(0, word.find('=')));
        return exit_usage;
    }
    if (options.command.empty()) {
        fmt::print(stderr, "sealkit run: no program given (use 'sealkit run -- PROGRAM [ARGS]').\n");
        return exit_usage;
    }
    const std::string &name = options.command.front();
    const std::string program = resolve_program(name);
    if (program.empty() || access(program.c_str(), F_OK) != 0) {
        fmt::print(stderr, "sealkit run: cannot run {}: no such program.\n", name);
        return exit_program_not_found;
    }
    if (access(program.c_str(), X_OK) != 0) {
        fmt::print(stderr, "sealkit run: cannot run {}: {}.\n", program, strerror(errno));
        return exit_cannot_execute;
    }
    if (const char *forced = getenv("SEALKIT_PRELOAD_PATH"); forced && *forced) {
        // ld.so only warns about a preload it cannot load and runs the
        // program anyway: unsealed, exit 0. Check it here instead.
        if (const char *problem = why_not_a_preload(forced)) {
            fmt::print(stderr, "sealkit run: SEALKIT_PRELOAD_PATH={}: {}; nothing was run.\n", forced, problem);
            return exit_run_failed;
        }
    }
    const std::string preload = find_preload();
    if (preload.empty()) {
        fmt::print(stderr,
                   "sealkit run: cannot find libsealkit-preload.so beside {} (set SEALKIT_PRELOAD_PATH).\n",
                   directory_of_this_executable());
        return exit_run_failed;
    }
    if (const std::string why = why_the_preload_cannot_reach(program, preload); !why.empty()) {
        std::string line = fmt::format("{} {}, so nothing will be sealed (link it with libsealkit and call "
                                       "sealkit_seal_images())",
                                       program, why);
        if (options.enforce) {
            fmt::print(stderr, "sealkit run: {}; stopping (--enforce).\n", line);
            return exit_run_failed;
        }
        if (!options.quiet) fmt::print(stderr, "sealkit run: {}.\n", line);
    }

    // The preload goes first; an LD_PRELOAD the caller set is kept after it.
    const char *existing = getenv("LD_PRELOAD");
    set("LD_PRELOAD", existing && *existing ? preload + ":" + existing : preload);
    if (options.vdso) set("SEALKIT_VDSO", "1");
    if (options.only_marked) set("SEALKIT_ONLY_MARKED", "1");
    set("SEALKIT_RELRO", options.relro);
    set("SEALKIT_DLOPEN", options.dlopen);
    if (options.enforce) set("SEALKIT_ENFORCE", "1");
    if (options.quiet) set("SEALKIT_QUIET", "1");
    if (options.lockdown) set("SEALKIT_LOCKDOWN", "1");
    if (!options.report.empty() || options.report_requested)
        set("SEALKIT_REPORT", options.report.empty() || options.report.front().empty() ? "-" : options.report.front());
    set("SEALKIT_REPORT_FORMAT", options.report_format);
    if (!options.backend.empty()) set("SEALKIT_BACKEND", options.backend);

    std::vector<char *> argv;
    for (const std::string &argument : options.command) argv.push_back(const_cast<char *>(argument.c_str()));
    argv.push_back(nullptr);
    execv(program.c_str(), argv.data());
    int error = errno;
    fmt::print(stderr, "sealkit run: cannot run {}: {}.\n", program, strerror(error));
    return error == ENOENT ? exit_program_not_found : exit_cannot_execute;
}

}  // namespace sealkit::cli
