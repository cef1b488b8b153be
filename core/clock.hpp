#pragma once
// Time source. Every component takes a Clock so tests can pin time.
#include <atomic>
#include <chrono>

namespace signet::core {

using TimePoint = std::chrono::system_clock::time_point;
using Seconds = std::chrono::seconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
};

// A clock that stands still until told to move. Thread-safe.
class FixedClock final : public Clock {
 public:
  explicit FixedClock(TimePoint t) : t_(t.time_since_epoch().count()) {}
  TimePoint now() const override { return TimePoint(TimePoint::duration(t_.load())); }
  void set(TimePoint t) { t_ = t.time_since_epoch().count(); }
  void advance(TimePoint::duration d) { t_ += d.count(); }

 private:
  std::atomic<TimePoint::rep> t_;
};

// Whole seconds since the Unix epoch, the resolution everything is stored at.
inline int64_t to_unix(TimePoint t) {
  return std::chrono::duration_cast<Seconds>(t.time_since_epoch()).count();
}
inline TimePoint from_unix(int64_t s) {
  return TimePoint(Seconds(s));
}
// Milliseconds since the Unix epoch, for what needs finer steps (rate-limit buckets).
inline int64_t to_unix_ms(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace signet::core
