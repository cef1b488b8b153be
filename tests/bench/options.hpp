#pragma once
// The command line of signet-bench, bounded so that every run stops by itself.
#include <optional>
#include <string>
#include <vector>

namespace signet::bench {

struct Options {
  std::string signet;             // the server binary to start
  std::string config;             // passed to `signet serve --config` when set
  std::string data_dir;           // the server's data directory, kept; empty: a fresh one
  int dns_port = 0;               // the DNS responder's port; 0: chosen by the system
  int http01_port = 0;            // the http-01 responder's port; 0: chosen by the system
  int clients = 16;               // concurrent ACME clients, one account and connection each
  long orders = 1000;             // orders of the timed phase, over all clients
  int names = 1;                  // DNS names per order
  long warmup = -1;               // orders before the timed phase; -1: one per client
  std::vector<long> checkpoints;  // completed orders at which the server's RSS is read
  bool count_fsync = false;       // count the server's fsync calls with strace
  int max_seconds = 900;          // wall-clock cap of the whole run
  int threads = 1;                // generator threads
  int poll_ms = 20;               // polling interval when the server gives no Retry-After
  int ramp_ms = -1;  // the clients' first orders are spread over this; -1: 10 ms per client
  bool ignore_retry_after = false;
  long revoke = 0;  // certificates revoked after the timed phase; 0: no revocation phase
  int nodes = 1;    // `signet serve` processes on one database; each request to one at random
};

inline constexpr int kMaxClients = 1024;
inline constexpr long kMaxOrders = 200000;
inline constexpr int kMaxNames = 100;
inline constexpr long kMaxWarmup = 10000;
inline constexpr int kMaxThreads = 4;
inline constexpr int kMaxNodes = 8;

// The options, or nullopt after printing why not (or the usage, with `help` set).
std::optional<Options> parse_options(int argc, char** argv, bool& help);

}  // namespace signet::bench
