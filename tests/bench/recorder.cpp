#include "tests/bench/recorder.hpp"

#include <algorithm>

namespace signet::bench {

namespace {
constexpr std::size_t kKeptFailures = 5;
}

Recorder::Recorder(std::vector<long> checkpoints, std::function<Checkpoint()> sample_memory)
    : pending_checkpoints_(std::move(checkpoints)), sample_memory_(std::move(sample_memory)) {
  std::sort(pending_checkpoints_.begin(), pending_checkpoints_.end(), std::greater<>());
  pending_checkpoints_.erase(std::unique(pending_checkpoints_.begin(), pending_checkpoints_.end()),
                             pending_checkpoints_.end());
}

void Recorder::success(Clock::duration latency, Clock::time_point done) {
  std::lock_guard lock(mu_);
  latencies_ms_.push_back(std::chrono::duration<double, std::milli>(latency).count());
  completion_secs_.push_back(std::chrono::duration<double>(done - start_).count());
  last_ = std::max(last_, done);
  finished_one();
}

void Recorder::failure(std::string what) {
  std::lock_guard lock(mu_);
  ++failures_;
  if (first_failures_.size() < kKeptFailures) first_failures_.push_back(std::move(what));
  finished_one();
}

void Recorder::finished_one() {
  const long n = static_cast<long>(latencies_ms_.size() + failures_);
  if (pending_checkpoints_.empty() || pending_checkpoints_.back() != n) return;
  pending_checkpoints_.pop_back();
  // Read here, under the lock, so that the figure belongs to exactly n finished orders.
  Checkpoint c = sample_memory_();
  c.orders = n;
  c.seconds = std::chrono::duration<double>(Clock::now() - start_).count();
  checkpoints_.push_back(c);
}

std::uint64_t Recorder::finished() const {
  std::lock_guard lock(mu_);
  return latencies_ms_.size() + failures_;
}

std::uint64_t Recorder::failures() const {
  std::lock_guard lock(mu_);
  return failures_;
}

Recorder::Snapshot Recorder::snapshot() const {
  std::lock_guard lock(mu_);
  Snapshot s{latencies_ms_, completion_secs_, failures_, first_failures_, checkpoints_, last_};
  std::sort(s.latencies_ms.begin(), s.latencies_ms.end());
  return s;
}

}  // namespace signet::bench
