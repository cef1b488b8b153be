#include "server/nonce.hpp"

#include <gtest/gtest.h>

namespace signet::server {
namespace {

TEST(Nonce, RedeemedOnceOnly) {
  NonceService n;
  auto a = n.issue();
  EXPECT_NE(a, n.issue());
  EXPECT_TRUE(n.redeem(a));
  EXPECT_FALSE(n.redeem(a));
  EXPECT_FALSE(n.redeem("never-issued"));
}

TEST(Nonce, OldestForgottenAtCapacity) {
  NonceService n(2);
  auto a = n.issue();
  auto b = n.issue();
  auto c = n.issue();
  EXPECT_FALSE(n.redeem(a));
  EXPECT_TRUE(n.redeem(b));
  EXPECT_TRUE(n.redeem(c));
}

TEST(Nonce, AnotherServiceNoncesAreNotAccepted) {
  NonceService a, b;
  EXPECT_FALSE(b.redeem(a.issue()));
  EXPECT_FALSE(a.redeem("AAAAAAAAAAAAAAAAAAAAAA"));  // right length, unknown prefix
}

// Memory stays bounded however many nonces are issued; the newest stay redeemable.
TEST(Nonce, ManyNoncesInABoundedRing) {
  NonceService n(1000);
  std::string last;
  for (int i = 0; i < 100000; ++i) last = n.issue();
  EXPECT_TRUE(n.redeem(last));
  EXPECT_FALSE(n.redeem(last));
}

}  // namespace
}  // namespace signet::server
