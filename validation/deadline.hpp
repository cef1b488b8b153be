#pragma once
// The one deadline of a validation: the challenge check (its DNS lookups, connections
// and redirects) and CAA all end by it. It also keeps what the validation is doing, so
// that one which runs out of time can say where it was. Used on one executor; not
// thread-safe.
#include <chrono>
#include <string>

#include "core/error.hpp"

namespace signet::validation {

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;

  // Ends `budget` from now.
  explicit Deadline(std::chrono::milliseconds budget)
      : at_(Clock::now() + budget), budget_(budget) {}

  Clock::time_point at() const { return at_; }
  bool passed() const { return Clock::now() >= at_; }

  // What the validation does from now on: a DNS lookup (ProblemType::Dns) or a
  // connection (ProblemType::Connection), as a phrase: "looking up CAA for example.com".
  void doing(core::ProblemType type, std::string what) {
    type_ = type;
    what_ = std::move(what);
  }

  // The problem of a validation that ran out of time, typed by what it was doing:
  // "validation did not finish within 20 s (looking up CAA for example.com)".
  core::Error expired() const;

 private:
  Clock::time_point at_;
  std::chrono::milliseconds budget_;
  core::ProblemType type_ = core::ProblemType::Connection;
  std::string what_ = "starting";
};

// "20 s", "1.5 s", "300 ms": a duration as a problem detail shows it.
std::string describe_duration(std::chrono::milliseconds d);

}  // namespace signet::validation
