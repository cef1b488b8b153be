#include "tests/bench/report.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>

namespace signet::bench {
namespace {

// Nearest-rank percentile of sorted values.
double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * sorted.size()));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

double mb(long kb) {
  return static_cast<double>(kb) / 1024.0;
}

double per(double value, std::size_t certs) {
  return certs == 0 ? 0.0 : value / static_cast<double>(certs);
}

struct Gaps {
  std::vector<long> per_second;  // completions in each second of the phase
  long idle_seconds = 0;         // whole seconds of the phase without a completion
  long total_seconds = 0;        // seconds the phase lasted, rounded up
  double longest_ms = 0;         // longest time without a completion, from the start
};

Gaps gaps(std::vector<double> completions, double phase_seconds) {
  Gaps g;
  g.total_seconds = static_cast<long>(std::ceil(phase_seconds));
  g.per_second.assign(static_cast<std::size_t>(g.total_seconds), 0);
  std::sort(completions.begin(), completions.end());
  double last = 0;
  for (double t : completions) {
    const auto s = static_cast<std::size_t>(std::max(0.0, std::floor(t)));
    if (s < g.per_second.size()) ++g.per_second[s];
    g.longest_ms = std::max(g.longest_ms, (t - last) * 1000.0);
    last = t;
  }
  g.longest_ms = std::max(g.longest_ms, (phase_seconds - last) * 1000.0);
  g.idle_seconds = std::count(g.per_second.begin(), g.per_second.end(), 0);
  return g;
}

}  // namespace

void print_report(std::ostream& out, const Options& o, const Figures& f) {
  const auto& lat = f.orders.latencies_ms;
  const std::size_t certs = lat.size();
  const double rate = f.seconds > 0 ? static_cast<double>(certs) / f.seconds : 0;
  const Gaps g = gaps(f.orders.completion_secs, f.seconds);
  out << std::fixed << std::setprecision(1);
  out << "\n== timed phase: " << o.clients << " clients, " << o.orders << " orders of " << o.names
      << (o.names == 1 ? " name" : " names")
      << (o.nodes > 1 ? ", " + std::to_string(o.nodes) + " nodes (CPU and RSS summed)" : "")
      << " ==\n";
  if (!f.ended.empty()) out << "NOTE: the timed phase ended early: " << f.ended << "\n";
  out << "certificates:           " << certs << " in " << std::setprecision(2) << f.seconds
      << " s = " << rate << " certificates/s\n"
      << std::setprecision(1);
  out << "order latency:          p50 " << percentile(lat, 50) << " ms, p90 " << percentile(lat, 90)
      << " ms, p99 " << percentile(lat, 99) << " ms, max " << (lat.empty() ? 0 : lat.back())
      << " ms (newOrder to certificate downloaded)\n";
  out << std::setprecision(2) << "JWS requests:           " << per(f.jws_posts, certs)
      << " per certificate (" << f.jws_posts << " JWS POSTs; also " << f.nonce_fetches
      << " newNonce, " << f.bad_nonce_retries << " badNonce retries, " << f.rate_limited_retries
      << " rateLimited retries, " << f.connects << " TLS connections)\n"
      << std::setprecision(1);
  out << "failures:               " << f.orders.failures << "\n";
  for (const auto& what : f.orders.first_failures) out << "  " << what << "\n";
  out << std::setprecision(2)
      << "server CPU:             " << per(f.server_cpu_seconds * 1000, certs)
      << " ms per certificate (utime+stime " << f.server_cpu_seconds << " s over the phase)\n"
      << std::setprecision(1);
  out << "server memory:          peak RSS " << mb(f.server_hwm_kb) << " MB (VmHWM), RSS at end "
      << mb(f.server_rss_kb) << " MB\n";
  for (const auto& c : f.orders.checkpoints) {
    out << "  at " << c.orders << " orders (" << c.seconds << " s): RSS " << mb(c.rss_kb)
        << " MB, peak " << mb(c.hwm_kb) << " MB\n";
  }
  for (long want : o.checkpoints) {
    const bool reached = std::any_of(f.orders.checkpoints.begin(), f.orders.checkpoints.end(),
                                     [want](const Checkpoint& c) { return c.orders == want; });
    if (!reached) out << "  at " << want << " orders: not reached\n";
  }
  out << "seconds without a completion: " << g.idle_seconds << " of " << g.total_seconds
      << " (longest time without one: " << std::setprecision(0) << g.longest_ms << " ms)\n"
      << std::setprecision(2);
  out << "completions per second:";
  for (std::size_t i = 0; i < g.per_second.size(); ++i) {
    out << (i % 20 == 0 ? "\n  " : " ") << g.per_second[i];
  }
  out << "\n";
  out << "generator CPU:          " << per(f.own_cpu_seconds * 1000, certs)
      << " ms per certificate (clients, DNS and http-01 responders)\n";
  const double others =
      std::max(0.0, f.machine_busy_seconds - f.server_cpu_seconds - f.own_cpu_seconds);
  out << "machine:                " << f.cores << " cores, load average " << f.load_average
      << " at the start; other processes used " << others << " CPU-seconds during the phase ("
      << std::setprecision(0)
      << (f.seconds > 0 && f.cores > 0 ? 100.0 * others / (f.seconds * f.cores) : 0.0)
      << "% of the machine)\n"
      << std::setprecision(2);
  if (f.fsyncs) {
    out << "fsync:                  " << per(f.fsyncs->first + f.fsyncs->second, certs)
        << " fsync+fdatasync calls per certificate (" << f.fsyncs->first << " fsync, "
        << f.fsyncs->second << " fdatasync)\n";
  }
  out << std::setprecision(1) << "summary: clients=" << o.clients << " nodes=" << o.nodes
      << " names=" << o.names
      << " certs/s=" << rate << " cpu_ms/cert=" << std::setprecision(2)
      << per(f.server_cpu_seconds * 1000, certs) << std::setprecision(0)
      << " p50=" << percentile(lat, 50) << " p90=" << percentile(lat, 90)
      << " p99=" << percentile(lat, 99) << std::setprecision(2)
      << " jws/cert=" << per(f.jws_posts, certs) << std::setprecision(1)
      << " rss_peak_mb=" << mb(f.server_hwm_kb) << " failures=" << f.orders.failures;
  if (f.fsyncs) {
    out << std::setprecision(2) << " fsync/cert=" << per(f.fsyncs->first + f.fsyncs->second, certs);
  }
  out << "\n";
}

}  // namespace signet::bench
