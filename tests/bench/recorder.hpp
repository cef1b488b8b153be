#pragma once
// What one phase of the run saw: completions with their latency, failures, and request
// counts. Thread-safe.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace signet::bench {

using Clock = std::chrono::steady_clock;

// The server's memory when a given number of orders had finished.
struct Checkpoint {
  long orders = 0;
  double seconds = 0;  // since the start of the phase
  long rss_kb = 0;
  long hwm_kb = 0;
};

class Recorder {
 public:
  // sample_memory(orders) reads the server's memory at each checkpoint.
  Recorder(std::vector<long> checkpoints, std::function<Checkpoint()> sample_memory);

  void start(Clock::time_point t) { start_ = t; }
  Clock::time_point start_time() const { return start_; }

  // A certificate downloaded at `done`, latency since newOrder was sent.
  void success(Clock::duration latency, Clock::time_point done);
  // An order that ended without a certificate; `what` says where and the problem.
  void failure(std::string what);

  std::atomic<std::uint64_t> jws_posts{0};
  std::atomic<std::uint64_t> nonce_fetches{0};
  std::atomic<std::uint64_t> bad_nonce_retries{0};
  std::atomic<std::uint64_t> rate_limited_retries{0};

  struct Snapshot {
    std::vector<double> latencies_ms;     // sorted
    std::vector<double> completion_secs;  // since start, in completion order
    std::uint64_t failures = 0;
    std::vector<std::string> first_failures;
    std::vector<Checkpoint> checkpoints;
    Clock::time_point last_completion;
  };
  Snapshot snapshot() const;
  std::uint64_t finished() const;
  std::uint64_t failures() const;

 private:
  void finished_one();  // with mu_ held

  mutable std::mutex mu_;
  Clock::time_point start_;
  Clock::time_point last_;
  std::vector<double> latencies_ms_;
  std::vector<double> completion_secs_;
  std::uint64_t failures_ = 0;
  std::vector<std::string> first_failures_;
  std::vector<long> pending_checkpoints_;  // descending, next at the back
  std::vector<Checkpoint> checkpoints_;
  std::function<Checkpoint()> sample_memory_;
};

}  // namespace signet::bench
