#pragma once
// The figures of a run, printed for people and as one summary line for a table.
// Nothing here judges them.
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "tests/bench/options.hpp"
#include "tests/bench/recorder.hpp"

namespace signet::bench {

struct Figures {
  std::string ended;   // why the timed phase ended, if not with all its orders
  double seconds = 0;  // the timed phase
  Recorder::Snapshot orders;
  std::uint64_t jws_posts = 0;
  std::uint64_t nonce_fetches = 0;
  std::uint64_t bad_nonce_retries = 0;
  std::uint64_t rate_limited_retries = 0;
  std::uint64_t connects = 0;  // TLS connections opened by the clients in the timed phase
  double server_cpu_seconds = 0;
  double own_cpu_seconds = 0;
  double machine_busy_seconds = 0;  // every process's CPU time over the phase
  unsigned cores = 0;
  double load_average = 0;  // 1-minute load average when the phase started
  long server_rss_kb = 0;   // at the end of the timed phase
  long server_hwm_kb = 0;
  std::optional<std::pair<long, long>> fsyncs;  // fsync, fdatasync in the timed phase
};

void print_report(std::ostream& out, const Options& o, const Figures& f);

}  // namespace signet::bench
