// `status --format=prometheus`: the Prometheus text exposition format, as
// node_exporter's textfile collector reads it, so a fleet can collect seal
// coverage with the monitoring it already has:
//
//   sealkit status --all --format=prometheus > /var/lib/node_exporter/sealkit.prom.$$ &&
//     mv /var/lib/node_exporter/sealkit.prom.$$ /var/lib/node_exporter/sealkit.prom
//
// Every metric is a gauge with "# HELP" and "# TYPE" lines, its samples
// together, labelled pid="PID",command="COMM".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "inspect/process_report.h"

namespace sealkit::cli {

// How the processes a status run tried fared.
struct scan_counts {
    size_t inspected = 0;            // read, with user memory
    size_t without_user_memory = 0;  // read, but a kernel thread or a zombie
    size_t vanished = 0;             // exited between being listed (or named) and being read
    size_t permission_denied = 0;    // smaps could not be read: not ours, no CAP_SYS_PTRACE
    size_t failed = 0;               // any other error
};

// The whole exposition for these reports. with_images adds
// sealkit_process_unsealed_images, which is known only when image headers
// were read.
std::string prometheus_text(const std::vector<inspect::process_report> &reports, const scan_counts &counts,
                            bool with_images);

}  // namespace sealkit::cli
