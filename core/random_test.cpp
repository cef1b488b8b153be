#include "core/random.hpp"

#include <gtest/gtest.h>

namespace signet::core {
namespace {

TEST(Random, SameSeedSameSequence) {
  Random a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const auto x = a.between(0, 1'000'000);
    EXPECT_EQ(x, b.between(0, 1'000'000));
    differs = differs || x != c.between(0, 1'000'000);
  }
  EXPECT_TRUE(differs);
}

TEST(Random, BetweenStaysInRange) {
  Random r(7);
  std::uint64_t lo = 10, hi = 0;
  for (int i = 0; i < 10'000; ++i) {
    const auto x = r.between(10, 20);
    ASSERT_GE(x, 10u);
    ASSERT_LE(x, 20u);
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  EXPECT_EQ(lo, 10u);
  EXPECT_EQ(hi, 20u);
  EXPECT_EQ(r.between(5, 5), 5u);
}

TEST(Random, ChanceMatchesItsShare) {
  Random r(1);
  EXPECT_FALSE(r.chance(0, 100));
  EXPECT_TRUE(r.chance(100, 100));
  int hits = 0;
  for (int i = 0; i < 100'000; ++i) hits += r.chance(30, 100) ? 1 : 0;
  EXPECT_NEAR(hits / 100'000.0, 0.30, 0.01);
}

}  // namespace
}  // namespace signet::core
