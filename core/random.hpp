#pragma once
// Random decisions that tests must be able to reproduce (the test mode's knobs: which
// nonces are refused, which requests get an injected problem, how long a validation
// waits): a generator seeded explicitly, or from OpenSSL's. Not for secrets (nonces,
// serials and keys take OpenSSL's generator directly). Thread-safe.
#include <cstdint>
#include <mutex>
#include <random>

namespace signet::core {

class Random {
 public:
  explicit Random(std::uint64_t seed) : gen_(seed) {}
  // A generator seeded from OpenSSL's: a different sequence every run.
  static std::uint64_t entropy_seed();

  // Uniform in [lo, hi] (lo <= hi).
  std::uint64_t between(std::uint64_t lo, std::uint64_t hi);
  // True with probability numerator / denominator (0 < denominator; a numerator at or
  // above it is always true).
  bool chance(std::uint64_t numerator, std::uint64_t denominator);

 private:
  std::mutex mu_;
  std::mt19937_64 gen_;
};

}  // namespace signet::core
