// Inspects one live process: reads /proc/PID/smaps once, groups its
// mappings into objects, reads each ELF object's headers once, and
// summarizes what is sealed.
//
// Failures are reported as a kind plus the errno, never thrown, so the CLI
// can report one process's failure and go on with the next.
#pragma once

#include "inspect/process_report.h"
#include "procfs/mappings_parser.h"

namespace sealkit::inspect {

enum class inspection_error {
    none,
    no_such_process,    // /proc/PID does not exist (or the process exited before it was read)
    permission_denied,  // smaps exists but may not be read (EACCES, EPERM)
    no_seal_flag,       // smaps has no VmFlags lines: the kernel cannot report seals
    read_failed,        // any other error reading smaps (error_number says which)
};

struct inspection {
    inspection_error error = inspection_error::none;
    int error_number = 0;  // errno of the failure, 0 when none
    process_report report;
};

struct inspection_options {
    // Read each ELF object's headers (one read per object) to split it into
    // text, read-only data, RELRO and data and to tell ELF images from other
    // files. Without them every row is unclassified and file-backed objects
    // other than the executable have kind `file`; the totals are the same.
    bool read_image_headers = true;
    // Read the command name of a process without user memory (a kernel
    // thread, a zombie). A host-wide scan, which only counts them, skips
    // the three system calls.
    bool name_processes_without_memory = true;
    // Also hands every mapping, as it is read, to this visitor (for a view
    // that needs each mapping, such as `status --map`), so smaps is still
    // read once. Its return value is ignored: the read always completes.
    procfs::mapping_visitor also_visit = nullptr;
    void *also_visit_context = nullptr;
};

// pid 0 inspects the calling process (through /proc/self); its report
// carries the real PID.
inspection inspect_process(int pid, const inspection_options &options = {});

}  // namespace sealkit::inspect
