// Runs a fuzz target over every file of a corpus directory (or over the
// files named on the command line), so the targets run in every `make test`
// even without clang's libFuzzer.
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool replay_file(const std::string &path) {
    FILE *f = fopen(path.c_str(), "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path.c_str());
        return false;
    }
    std::vector<uint8_t> bytes;
    uint8_t chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) bytes.insert(bytes.end(), chunk, chunk + got);
    fclose(f);
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
    return true;
}

int main(int argc, char **argv) {
    size_t replayed = 0;
    for (int i = 1; i < argc; ++i) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s does not exist\n", argv[i]);
            return 2;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (!replay_file(argv[i])) return 2;
            ++replayed;
            continue;
        }
        DIR *dir = opendir(argv[i]);
        if (!dir) return 2;
        while (dirent *entry = readdir(dir)) {
            if (entry->d_name[0] == '.') continue;
            if (!replay_file(std::string(argv[i]) + "/" + entry->d_name)) return 2;
            ++replayed;
        }
        closedir(dir);
    }
    if (replayed == 0) {
        fprintf(stderr, "replay: no inputs\n");
        return 2;
    }
    printf("replayed %zu inputs\n", replayed);
    return 0;
}
