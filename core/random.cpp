#include "core/random.hpp"

#include <openssl/rand.h>

namespace signet::core {

std::uint64_t Random::entropy_seed() {
  std::uint64_t seed = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&seed), sizeof seed);
  return seed;
}

std::uint64_t Random::between(std::uint64_t lo, std::uint64_t hi) {
  std::uniform_int_distribution<std::uint64_t> d(lo, hi);
  std::lock_guard lock(mu_);
  return d(gen_);
}

bool Random::chance(std::uint64_t numerator, std::uint64_t denominator) {
  if (numerator == 0) return false;
  if (numerator >= denominator) return true;
  return between(0, denominator - 1) < numerator;
}

}  // namespace signet::core
