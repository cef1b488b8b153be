#include "server/admin/runtime_metrics.hpp"

#include "core/process_metrics.hpp"

namespace signet::server::admin {

namespace m = core::metrics;

void observe(m::Registry& r, Observed o) {
  m::register_process_metrics(r);
  const auto& cpu = o.cpu;
  const auto stats = o.storage_stats;
  const auto& va = o.va;
  r.callback("signet_queue_depth",
             "Work waiting, by queue: cpu (signing, CSR checks), storage_write (the group "
             "commit writer), storage_read, validation (admitted, waiting for a slot or running).",
             m::Type::Gauge, {"queue"}, [&cpu, stats, &va] {
               const auto st = stats();
               return std::vector<m::Sample>{
                   {{"cpu"}, static_cast<double>(cpu.queued())},
                   {{"storage_read"}, static_cast<double>(st.queued_reads)},
                   {{"storage_write"}, static_cast<double>(st.queued_writes)},
                   {{"validation"}, static_cast<double>(va.pending())}};
             });
  r.callback("signet_validations_in_flight",
             "Validations started and not yet reported to the authority.", m::Type::Gauge, {},
             [&va] { return std::vector<m::Sample>{{{}, static_cast<double>(va.in_flight())}}; });
  r.callback("signet_db_writes_total", "Storage writes run by the group-commit writer.",
             m::Type::Counter, {}, [stats] {
               return std::vector<m::Sample>{{{}, static_cast<double>(stats().writes)}};
             });
  r.callback("signet_db_wal_pages", "Pages in the SQLite write-ahead log after the last commit.",
             m::Type::Gauge, {}, [stats] {
               return std::vector<m::Sample>{{{}, static_cast<double>(stats().wal_pages)}};
             });
  auto listeners = std::make_shared<decltype(o.listeners)>(std::move(o.listeners));
  r.callback("signet_open_connections", "Connections open now, by listener.", m::Type::Gauge,
             {"listener"}, [listeners] {
               std::vector<m::Sample> out;
               for (const auto& [name, l] : *listeners)
                 out.push_back({{name}, static_cast<double>(l->open_connections())});
               return out;
             });
  r.callback(
      "signet_connections_refused_total",
      "Connections refused at accept, by listener and reason (over_cap: max_connections; "
      "over_address_cap: max_connections_per_address; over_fair_share: the last tenth).",
      m::Type::Counter, {"listener", "reason"}, [listeners] {
        using http::Admission;
        std::vector<m::Sample> out;
        for (const auto& [name, l] : *listeners) {
          for (const auto& [why, label] :
               {std::pair{Admission::OverCap, "over_cap"},
                std::pair{Admission::OverAddressCap, "over_address_cap"},
                std::pair{Admission::OverFairShare, "over_fair_share"}}) {
            out.push_back({{name, label}, static_cast<double>(l->refused(why))});
          }
        }
        return out;
      });
}

}  // namespace signet::server::admin
