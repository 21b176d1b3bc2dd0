// What the `sealkit status` tests read in /proc by themselves, never through
// sealkit's code, to check its answers against.
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <fstream>
#include <string>

namespace sealkit_test {

// Counts over every mapping of /proc/PID/smaps.
struct smaps_facts {
    size_t mappings = 0, sealed_mappings = 0;
    uint64_t bytes = 0, sealed_bytes = 0;
    uint64_t file_backed_bytes = 0, sealed_file_backed_bytes = 0;
};

inline smaps_facts read_smaps_facts(pid_t pid) {
    smaps_facts facts;
    std::ifstream smaps("/proc/" + std::to_string(pid) + "/smaps");
    std::string line;
    uint64_t length = 0;
    bool file_backed = false;
    while (std::getline(smaps, line)) {
        unsigned long start, end, inode;
        char perms[8], offset[32], device[32];
        if (sscanf(line.c_str(), "%lx-%lx %7s %31s %31s %lu", &start, &end, perms, offset, device, &inode) == 6) {
            ++facts.mappings;
            length = end - start;
            facts.bytes += length;
            file_backed = inode != 0;
            if (file_backed) facts.file_backed_bytes += length;
        } else if (line.rfind("VmFlags:", 0) == 0 && (line + " ").find(" sl ") != std::string::npos) {
            ++facts.sealed_mappings;
            facts.sealed_bytes += length;
            if (file_backed) facts.sealed_file_backed_bytes += length;
        }
    }
    return facts;
}

}  // namespace sealkit_test
