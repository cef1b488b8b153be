#include "server/http/admission.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace signet::server::http {
namespace {

namespace ip = boost::asio::ip;

const AdmissionLimits k100{100, 20};

TEST(Admission, GlobalCapRefusesEveryone) {
  EXPECT_EQ(decide(k100, 99, 0, 50), Admission::Admitted);
  EXPECT_EQ(decide(k100, 100, 0, 50), Admission::OverCap);
  EXPECT_EQ(decide({100, 0}, 100, 0, 0), Admission::OverCap);
}

TEST(Admission, AnAddressAtItsCapIsRefused) {
  EXPECT_EQ(decide(k100, 30, 19, 2), Admission::Admitted);
  EXPECT_EQ(decide(k100, 30, 20, 2), Admission::OverAddressCap);
}

TEST(Admission, ZeroSwitchesThePerAddressRulesOff) {
  // One address may then take everything, the last tenth included.
  EXPECT_EQ(decide({100, 0}, 99, 99, 1), Admission::Admitted);
}

TEST(Admission, TheLastTenthIsForAddressesBelowTheAverage) {
  // Below 90: the fair share does not apply.
  EXPECT_EQ(decide(k100, 89, 19, 5), Admission::Admitted);
  // 90 open over 5 addresses: 18 on average. 18 or more is refused, fewer admitted.
  EXPECT_EQ(decide(k100, 90, 18, 5), Admission::OverFairShare);
  EXPECT_EQ(decide(k100, 90, 17, 5), Admission::Admitted);
  // A new address is always admitted while there is room.
  EXPECT_EQ(decide(k100, 99, 0, 5), Admission::Admitted);
}

TEST(Admission, OneAddressAloneNeverTakesTheLastTenth) {
  const AdmissionLimits wide{100, 1000};  // a per-address cap above the global one
  EXPECT_EQ(decide(wide, 89, 89, 1), Admission::Admitted);
  EXPECT_EQ(decide(wide, 90, 90, 1), Admission::OverFairShare);
}

TEST(Admission, SmallCapsHaveNoReserve) {
  // max_connections / 10 is 0: the fair share would start at the cap itself.
  EXPECT_EQ(decide({4, 4}, 3, 3, 1), Admission::Admitted);
  EXPECT_EQ(decide({4, 4}, 4, 0, 1), Admission::OverCap);
}

TEST(ConnectionTable, CountsPerAddressAndForgetsReleasedOnes) {
  ConnectionTable t({10, 2});
  const auto a = ip::make_address("192.0.2.1");
  const auto b = ip::make_address("2001:db8::1");
  EXPECT_EQ(t.admit(a), Admission::Admitted);
  EXPECT_EQ(t.admit(a), Admission::Admitted);
  EXPECT_EQ(t.admit(a), Admission::OverAddressCap);
  EXPECT_EQ(t.admit(b), Admission::Admitted);
  EXPECT_EQ(t.total(), 3u);
  EXPECT_EQ(t.held_by(a), 2u);
  EXPECT_EQ(t.addresses(), 2u);
  t.release(a);
  EXPECT_EQ(t.admit(a), Admission::Admitted);  // room again
  t.release(a);
  t.release(a);
  t.release(b);
  EXPECT_EQ(t.total(), 0u);
  EXPECT_EQ(t.addresses(), 0u);  // nothing kept for addresses without connections
}

TEST(ConnectionTable, OneFloodingAddressLeavesRoomForOthers) {
  // The integration test's setting: 200 connections, 50 per address.
  ConnectionTable t({200, 50});
  const auto flood = ip::make_address("127.0.0.1");
  std::size_t admitted = 0;
  for (int i = 0; i < 1000; ++i) admitted += t.admit(flood) == Admission::Admitted;
  EXPECT_EQ(admitted, 50u);
  EXPECT_EQ(t.admit(ip::make_address("127.0.0.2")), Admission::Admitted);
}

TEST(ConnectionTable, TheReserveGoesToAddressesBelowTheAverage) {
  ConnectionTable t({100, 50});
  const auto a = ip::make_address("198.51.100.1");
  const auto b = ip::make_address("198.51.100.2");
  for (int i = 0; i < 45; ++i) {
    ASSERT_EQ(t.admit(a), Admission::Admitted);
    ASSERT_EQ(t.admit(b), Admission::Admitted);
  }
  // 90 open, 45 on average: both are at their share, below their own cap.
  EXPECT_EQ(t.admit(a), Admission::OverFairShare);
  EXPECT_EQ(t.admit(b), Admission::OverFairShare);
  // A newcomer takes the last tenth; the two stay refused meanwhile.
  const auto c = ip::make_address("203.0.113.7");
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(t.admit(b), Admission::OverFairShare) << i;
    ASSERT_EQ(t.admit(c), Admission::Admitted) << i;
  }
  EXPECT_EQ(t.admit(c), Admission::OverCap);
  // Once one of a's connections closes, a is below the cap but still over the average.
  t.release(a);
  EXPECT_EQ(t.admit(a), Admission::OverFairShare);
  EXPECT_EQ(t.admit(c), Admission::Admitted);
}

TEST(ConnectionTable, SafeFromManyThreads) {
  ConnectionTable t({100000, 0});
  std::vector<std::thread> threads;
  for (int n = 0; n < 4; ++n) {
    threads.emplace_back([&t, n] {
      const auto a = ip::make_address("10.0.0." + std::to_string(n + 1));
      for (int i = 0; i < 10000; ++i) {
        ASSERT_EQ(t.admit(a), Admission::Admitted);
        t.release(a);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(t.total(), 0u);
}

TEST(AcceptBackoff, GrowsToASecondAndStartsOverAfterAnAccept) {
  AcceptBackoff b;
  EXPECT_FALSE(b.active());
  EXPECT_EQ(b.next(), std::chrono::milliseconds(50));
  EXPECT_TRUE(b.active());
  EXPECT_EQ(b.next(), std::chrono::milliseconds(100));
  EXPECT_EQ(b.next(), std::chrono::milliseconds(200));
  EXPECT_EQ(b.next(), std::chrono::milliseconds(400));
  EXPECT_EQ(b.next(), std::chrono::milliseconds(800));
  EXPECT_EQ(b.next(), std::chrono::milliseconds(1000));
  EXPECT_EQ(b.next(), std::chrono::milliseconds(1000));
  EXPECT_TRUE(b.reset());
  EXPECT_FALSE(b.reset());
  EXPECT_EQ(b.next(), std::chrono::milliseconds(50));
}

TEST(AcceptBackoff, OnlyExhaustionBacksOff) {
  using boost::system::error_code;
  using boost::system::system_category;
  EXPECT_TRUE(is_resource_exhaustion(error_code(EMFILE, system_category())));
  EXPECT_TRUE(is_resource_exhaustion(error_code(ENFILE, system_category())));
  EXPECT_TRUE(is_resource_exhaustion(error_code(ENOBUFS, system_category())));
  EXPECT_TRUE(is_resource_exhaustion(error_code(ENOMEM, system_category())));
  EXPECT_FALSE(is_resource_exhaustion(error_code(ECONNABORTED, system_category())));
  EXPECT_FALSE(is_resource_exhaustion(error_code()));
}

}  // namespace
}  // namespace signet::server::http
