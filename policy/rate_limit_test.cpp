#include "policy/rate_limit.hpp"

#include <gtest/gtest.h>

namespace signet::policy {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

constexpr std::int64_t kNowMs = 1'800'000'000'000;

Rate rate(std::string_view text) {
  auto r = parse_rate(text);
  EXPECT_TRUE(r) << text;
  return r ? *r : Rate{};
}

std::string error_of(std::string_view text) {
  auto r = parse_rate(text);
  EXPECT_FALSE(r) << text;
  if (r) return "";
  EXPECT_EQ(r.error().type, core::ProblemType::Malformed);
  return r.error().detail;
}

TEST(ParseRate, ReadsCountAndPeriod) {
  EXPECT_EQ(rate("300/3h"), (Rate{300, 3h}));
  EXPECT_EQ(rate("50/168h"), (Rate{50, 168h}));
  EXPECT_EQ(rate("5/1h"), (Rate{5, 1h}));
  EXPECT_EQ(rate("10/30m"), (Rate{10, 30min}));
  EXPECT_EQ(rate("2/10s"), (Rate{2, 10s}));
  EXPECT_EQ(rate("1/1d"), (Rate{1, 24h}));
  EXPECT_EQ(rate("1000/1s"), (Rate{1000, 1s}));
  EXPECT_EQ(rate("1/3650d"), (Rate{1, std::chrono::hours(24 * 3650)}));
}

TEST(ParseRate, EmptyOrZeroSwitchesTheLimitOff) {
  for (auto text : {"", "0", "0/1h"}) {
    const Rate r = rate(text);
    EXPECT_FALSE(r.enabled()) << text;
    EXPECT_EQ(r, Rate{}) << text;
  }
  EXPECT_TRUE(rate("1/1s").enabled());
}

TEST(ParseRate, ErrorsNameTheProblem) {
  const std::string shape = " must look like COUNT/PERIOD, e.g. 300/3h";
  EXPECT_EQ(error_of("x"), "rate \"x\"" + shape);
  for (auto text : {"300", "/3h", "300/", "300/h", "-1/3h", "3.5/1h", "300/3h/1", " 300/3h"}) {
    EXPECT_EQ(error_of(text), "rate \"" + std::string(text) + "\"" + shape);
  }
  EXPECT_EQ(error_of("300/3"), "rate \"300/3\": the period needs a unit: s, m, h or d");
  EXPECT_EQ(error_of("300/3w"), "rate \"300/3w\": the period needs a unit: s, m, h or d");
  EXPECT_EQ(error_of("300/3hh"), "rate \"300/3hh\": the period needs a unit: s, m, h or d");
  EXPECT_EQ(error_of("300/0h"), "rate \"300/0h\": the period must be longer than zero");
  EXPECT_EQ(error_of("1/3651d"), "rate \"1/3651d\": the period may be at most 3650d");
  EXPECT_EQ(error_of("1/99999999999999999999s"),
            "rate \"1/99999999999999999999s\": the period may be at most 3650d");
  EXPECT_EQ(error_of("99999999999999999999/1h"),
            "rate \"99999999999999999999/1h\": the count is too large");
  EXPECT_EQ(error_of("1001/1s"),
            "rate \"1001/1s\": more than one request per millisecond is not a limit");
}

TEST(RateToString, UsesTheLargestWholeUnit) {
  EXPECT_EQ(to_string(Rate{300, 3h}), "300/3h");
  EXPECT_EQ(to_string(Rate{50, 168h}), "50/7d");
  EXPECT_EQ(to_string(Rate{10, 30min}), "10/30m");
  EXPECT_EQ(to_string(Rate{2, 10s}), "2/10s");
  EXPECT_EQ(to_string(Rate{2, 90s}), "2/90s");
  EXPECT_EQ(to_string(Rate{}), "");
  for (auto text : {"300/3h", "1/1d", "7/90m", ""}) EXPECT_EQ(to_string(rate(text)), text);
}

TEST(Gcra, AFreshBucketTakesABurstThenOneEveryInterval) {
  const Rate r{300, 3h};  // one every 36 s
  std::optional<std::int64_t> tat;
  for (std::uint64_t i = 0; i < 300; ++i) {
    const auto d = gcra(tat, kNowMs, r, 1);
    ASSERT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.remaining, 299 - i);
    EXPECT_EQ(d.retry_after, 0ms);
    tat = d.new_tat_ms;
  }
  EXPECT_EQ(*tat, kNowMs + 3 * 3600 * 1000);  // full for the whole period

  auto denied = gcra(tat, kNowMs, r, 1);
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.retry_after, 36s);
  EXPECT_EQ(denied.remaining, 0u);
  EXPECT_EQ(denied.new_tat_ms, *tat);  // a denial spends nothing

  // Just before the interval has passed: still denied, and the wait is what is left.
  denied = gcra(tat, kNowMs + 35'999, r, 1);
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.retry_after, 1ms);

  const auto later = gcra(tat, kNowMs + 36'000, r, 1);
  EXPECT_TRUE(later.allowed);
  EXPECT_EQ(later.remaining, 0u);
  EXPECT_FALSE(gcra(later.new_tat_ms, kNowMs + 36'000, r, 1).allowed);
}

TEST(Gcra, AnIdleBucketRefillsToTheBurstAndNoMore) {
  const Rate r{5, 1h};
  const auto spent = gcra(std::nullopt, kNowMs, r, 5);
  ASSERT_TRUE(spent.allowed);
  EXPECT_EQ(spent.remaining, 0u);
  // Two intervals later, two fit.
  const auto two_later = kNowMs + 2 * 12 * 60 * 1000;
  EXPECT_EQ(gcra(spent.new_tat_ms, two_later, r, 0).remaining, 2u);
  EXPECT_TRUE(gcra(spent.new_tat_ms, two_later, r, 2).allowed);
  const auto three = gcra(spent.new_tat_ms, two_later, r, 3);
  EXPECT_FALSE(three.allowed);
  EXPECT_EQ(three.retry_after, 12min);
  // A day later the bucket holds the burst, not a day's worth.
  const auto day_later = kNowMs + 24 * 3600 * 1000;
  EXPECT_EQ(gcra(spent.new_tat_ms, day_later, r, 0).remaining, 5u);
  EXPECT_TRUE(gcra(spent.new_tat_ms, day_later, r, 5).allowed);
  EXPECT_FALSE(gcra(spent.new_tat_ms, day_later, r, 6).allowed);
}

TEST(Gcra, CostZeroChecksWithoutSpending) {
  const Rate r{2, 10s};
  const auto fresh = gcra(std::nullopt, kNowMs, r, 0);
  EXPECT_TRUE(fresh.allowed);
  EXPECT_EQ(fresh.remaining, 2u);
  EXPECT_EQ(fresh.new_tat_ms, kNowMs);

  const auto one = gcra(std::nullopt, kNowMs, r, 1);
  const auto half = gcra(one.new_tat_ms, kNowMs, r, 0);
  EXPECT_TRUE(half.allowed);
  EXPECT_EQ(half.remaining, 1u);
  EXPECT_EQ(half.new_tat_ms, one.new_tat_ms);

  const auto two = gcra(one.new_tat_ms, kNowMs, r, 1);
  const auto full = gcra(two.new_tat_ms, kNowMs + 1000, r, 0);
  EXPECT_FALSE(full.allowed);  // used up: not even one more fits
  EXPECT_EQ(full.retry_after, 4s);
  EXPECT_EQ(full.new_tat_ms, two.new_tat_ms);
}

TEST(Gcra, ALoweredLimitLeavesTheBucketOver) {
  // 10/10s spent in full, then the limit lowered to 1/5s: over until the TAT comes
  // within the new burst, and one more fits an interval after that.
  const auto spent = gcra(std::nullopt, kNowMs, Rate{10, 10s}, 10);
  const Rate lowered{1, 5s};
  const auto over = gcra(spent.new_tat_ms, kNowMs, lowered, 0);
  EXPECT_FALSE(over.allowed);
  EXPECT_EQ(over.remaining, 0u);
  EXPECT_EQ(over.retry_after, 10s);
  EXPECT_FALSE(gcra(spent.new_tat_ms, kNowMs + 9999, lowered, 1).allowed);
  EXPECT_TRUE(gcra(spent.new_tat_ms, kNowMs + 10000, lowered, 1).allowed);
}

TEST(Gcra, ACostAboveTheCountNeverFits) {
  const Rate r{3, 3s};
  const auto d = gcra(std::nullopt, kNowMs, r, 4);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.remaining, 3u);
  EXPECT_EQ(d.retry_after, 0ms);  // the bucket is as full as it gets
  const auto spent = gcra(std::nullopt, kNowMs, r, 2);
  EXPECT_EQ(gcra(spent.new_tat_ms, kNowMs, r, 4).retry_after, 2s);
}

TEST(Gcra, UnevenIntervalsStillAllowTheWholeBurst) {
  const Rate r{7, 1h};  // 514285.71... ms an interval
  const auto d = gcra(std::nullopt, kNowMs, r, 7);
  EXPECT_TRUE(d.allowed);
  EXPECT_FALSE(gcra(d.new_tat_ms, kNowMs, r, 1).allowed);
}

TEST(Gcra, ALimitThatIsOffAllowsEverything) {
  for (const Rate& off : {Rate{}, Rate{0, 1h}, Rate{5, 0s}}) {
    const auto d = gcra(kNowMs + 1000, kNowMs, off, 1'000'000);
    EXPECT_TRUE(d.allowed);
    EXPECT_EQ(d.new_tat_ms, kNowMs + 1000);
    EXPECT_EQ(d.remaining, kUnlimited);
    EXPECT_EQ(d.retry_after, 0ms);
  }
  EXPECT_EQ(gcra(std::nullopt, kNowMs, Rate{}, 1).new_tat_ms, kNowMs);
}

}  // namespace
}  // namespace signet::policy
