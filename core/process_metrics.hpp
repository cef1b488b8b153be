#pragma once
// The standard process metrics of Prometheus clients, read from /proc when the registry
// is rendered: process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_start_time_seconds, process_open_fds and
// process_max_fds. Linux only; on a failed read a metric is left out of that scrape.
#include "core/metrics.hpp"

namespace signet::core::metrics {

void register_process_metrics(Registry& registry);

}  // namespace signet::core::metrics
