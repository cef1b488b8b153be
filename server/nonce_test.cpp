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

}  // namespace
}  // namespace signet::server
