#pragma once
// The metrics read from the running server's parts when /metrics is rendered: queue
// depths (CPU pool, storage writer and readers, validation), storage totals, open and
// refused connections per listener, and the process itself.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/async.hpp"
#include "core/metrics.hpp"
#include "server/http/listener.hpp"
#include "storage/executor_stats.hpp"
#include "validation/validation_authority.hpp"

namespace signet::server::admin {

struct Observed {
  const core::WorkerPool& cpu;
  std::function<storage::detail::ExecutorStats()> storage_stats;  // the store's executor's
  const validation::ValidationAuthority& va;
  // By listener name ("acme", "http", "admin").
  std::vector<std::pair<std::string, const http::Listener*>> listeners;
};

// Registers callbacks that read `o` when the registry is rendered: everything in `o`
// must outlive every render.
void observe(core::metrics::Registry& registry, Observed o);

}  // namespace signet::server::admin
