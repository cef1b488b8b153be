#include "policy/profile.hpp"

#include <gtest/gtest.h>

namespace signet::policy {
namespace {

using namespace std::chrono_literals;
const core::TimePoint kNow = core::from_unix(1'800'000'000);

TEST(Profile, DefaultsToNinetyDaysBackdated) {
  auto v = resolve_validity(Profile{}, std::nullopt, std::nullopt, kNow);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->not_before, kNow - 1h);
  EXPECT_EQ(v->not_after - v->not_before, std::chrono::hours(24 * 90));
}

TEST(Profile, HonoursRequestsWithinLimits) {
  auto v = resolve_validity(Profile{}, kNow + 1h, kNow + 48h, kNow);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->not_before, kNow + 1h);
  EXPECT_EQ(v->not_after, kNow + 48h);
  EXPECT_FALSE(resolve_validity(Profile{}, kNow, kNow + std::chrono::hours(24 * 101), kNow));
  EXPECT_FALSE(resolve_validity(Profile{}, kNow + 48h, kNow + 24h, kNow));
  EXPECT_FALSE(resolve_validity(Profile{}, std::nullopt, kNow - 1s, kNow));
  EXPECT_FALSE(resolve_validity(Profile{}, kNow - 48h, std::nullopt, kNow));
  EXPECT_FALSE(resolve_validity(Profile{}, kNow + std::chrono::hours(24 * 30), std::nullopt, kNow));
}

}  // namespace
}  // namespace signet::policy
