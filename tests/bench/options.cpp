#include "tests/bench/options.hpp"

#include <algorithm>
#include <charconv>
#include <iostream>
#include <string_view>

namespace signet::bench {
namespace {

constexpr const char* kUsage = R"(usage: signet-bench --signet PATH [options]

Starts `PATH serve` on loopback with a fresh data directory, runs complete ACME orders
against it from concurrent clients (http-01, answered by this program), and prints figures.

  --signet PATH           the signet binary to benchmark (required)
  --clients N             concurrent clients, each with its own account (1..1024, default 16)
  --orders N              orders in the timed phase, over all clients (1..200000, default 1000)
  --names K               DNS names per order (1..100, default 1)
  --warmup N              orders before the timed phase (0..10000, default: one per client)
  --config FILE           configuration file passed to the server
  --data-dir DIR          the server's data directory, kept after the run (default: a
                          fresh temporary one, removed); for vantage agents whose
                          credentials come from `signet vantage-credentials --data-dir DIR`
  --dns-port N            port of the DNS responder (default: chosen at run time)
  --http01-port N         port of the http-01 responder (default: chosen at run time)
  --checkpoints A,B,...   completed orders at which to read the server's RSS
  --nodes N               start N `signet serve` nodes on one database (1..8, default 1;
                          see --config for the database): every request goes to a node
                          chosen at random, nonces are shared; CPU and RSS are summed
  --count-fsync           count the server's fsync/fdatasync calls with strace
                          (distorts the CPU figures)
  --max-seconds N         wall-clock cap of the whole run (10..86400, default 900)
  --threads N             generator threads (1..4, default 1)
  --poll-ms N             polling interval when the server gives no Retry-After
                          (1..1000, default 20)
  --ramp-ms N             spread the clients' first orders of each phase evenly over
                          N ms, so that they do not move in step (0..10000, default
                          10 ms per client, at most 10000)
  --ignore-retry-after    poll every --poll-ms even when the server asks for longer
  --revoke N              after the timed phase, revoke N of the certificates through
                          ACME, read every CRL shard until they list them, and ask
                          OCSP about every certificate twice (0..200000, default 0)
)";

bool to_long(std::string_view s, long lo, long hi, long& out) {
  long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || v < lo || v > hi) return false;
  out = v;
  return true;
}

bool parse_checkpoints(std::string_view s, std::vector<long>& out) {
  while (!s.empty()) {
    const auto comma = s.find(',');
    long v = 0;
    if (!to_long(s.substr(0, comma), 1, kMaxOrders, v)) return false;
    out.push_back(v);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return !out.empty() && out.size() <= 32;
}

}  // namespace

std::optional<Options> parse_options(int argc, char** argv, bool& help) {
  Options o;
  help = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      help = true;
      std::cout << kUsage;
      return std::nullopt;
    }
    if (arg == "--count-fsync") {
      o.count_fsync = true;
      continue;
    }
    if (arg == "--ignore-retry-after") {
      o.ignore_retry_after = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::cerr << "signet-bench: " << arg << " needs a value (or is unknown)\n" << kUsage;
      return std::nullopt;
    }
    const std::string_view value = argv[++i];
    long v = 0;
    bool ok = true;
    if (arg == "--signet") {
      o.signet = value;
    } else if (arg == "--config") {
      o.config = value;
    } else if (arg == "--data-dir") {
      o.data_dir = value;
    } else if (arg == "--dns-port") {
      ok = to_long(value, 0, 65535, v);
      o.dns_port = static_cast<int>(v);
    } else if (arg == "--http01-port") {
      ok = to_long(value, 0, 65535, v);
      o.http01_port = static_cast<int>(v);
    } else if (arg == "--clients") {
      ok = to_long(value, 1, kMaxClients, v);
      o.clients = static_cast<int>(v);
    } else if (arg == "--orders") {
      ok = to_long(value, 1, kMaxOrders, o.orders);
    } else if (arg == "--names") {
      ok = to_long(value, 1, kMaxNames, v);
      o.names = static_cast<int>(v);
    } else if (arg == "--warmup") {
      ok = to_long(value, 0, kMaxWarmup, o.warmup);
    } else if (arg == "--checkpoints") {
      ok = parse_checkpoints(value, o.checkpoints);
    } else if (arg == "--max-seconds") {
      ok = to_long(value, 10, 86400, v);
      o.max_seconds = static_cast<int>(v);
    } else if (arg == "--threads") {
      ok = to_long(value, 1, kMaxThreads, v);
      o.threads = static_cast<int>(v);
    } else if (arg == "--ramp-ms") {
      ok = to_long(value, 0, 10000, v);
      o.ramp_ms = static_cast<int>(v);
    } else if (arg == "--revoke") {
      ok = to_long(value, 0, kMaxOrders, o.revoke);
    } else if (arg == "--nodes") {
      ok = to_long(value, 1, kMaxNodes, v);
      o.nodes = static_cast<int>(v);
    } else if (arg == "--poll-ms") {
      ok = to_long(value, 1, 1000, v);
      o.poll_ms = static_cast<int>(v);
    } else {
      std::cerr << "signet-bench: unknown option " << arg << "\n" << kUsage;
      return std::nullopt;
    }
    if (!ok) {
      std::cerr << "signet-bench: invalid value for " << arg << ": " << value << "\n";
      return std::nullopt;
    }
  }
  if (o.signet.empty()) {
    std::cerr << "signet-bench: --signet PATH is required\n" << kUsage;
    return std::nullopt;
  }
  if (o.nodes > 1 && o.count_fsync) {
    std::cerr << "signet-bench: --count-fsync traces one server; it cannot go with --nodes\n";
    return std::nullopt;
  }
  if (o.warmup < 0) o.warmup = o.clients;
  if (o.ramp_ms < 0) o.ramp_ms = std::min(10000, 10 * o.clients);
  return o;
}

}  // namespace signet::bench
