#include "server/nonce.hpp"

#include <gtest/gtest.h>

#include "core/async.hpp"
#include "storage/sqlite_store.hpp"
#include "storage/store_test_fixture.hpp"

namespace signet::server {
namespace {

TEST(Nonce, RedeemedOnceOnly) {
  LocalNonces n;
  auto a = n.issue();
  EXPECT_NE(a, n.issue());
  EXPECT_TRUE(n.redeem_now(a));
  EXPECT_FALSE(n.redeem_now(a));
  EXPECT_FALSE(n.redeem_now("never-issued"));
}

TEST(Nonce, OldestForgottenAtCapacity) {
  LocalNonces n(2);
  auto a = n.issue();
  auto b = n.issue();
  auto c = n.issue();
  EXPECT_FALSE(n.redeem_now(a));
  EXPECT_TRUE(n.redeem_now(b));
  EXPECT_TRUE(n.redeem_now(c));
}

TEST(Nonce, AnotherServiceNoncesAreNotAccepted) {
  LocalNonces a, b;
  EXPECT_FALSE(b.redeem_now(a.issue()));
  EXPECT_FALSE(a.redeem_now("AAAAAAAAAAAAAAAAAAAAAA"));  // right length, unknown prefix
}

// Memory stays bounded however many nonces are issued; the newest stay redeemable.
TEST(Nonce, ManyNoncesInABoundedRing) {
  LocalNonces n(1000);
  std::string last;
  for (int i = 0; i < 100000; ++i) last = n.issue();
  EXPECT_TRUE(n.redeem_now(last));
  EXPECT_FALSE(n.redeem_now(last));
}

// Two nodes on one database, each with its own SharedNonces over its own connection.
class SharedNoncesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (auto* s : {&store_a, &store_b}) {
      auto opened = storage::SqliteStore::open(db.path());
      ASSERT_TRUE(opened);
      *s = std::move(opened).value();
    }
    a = node(*store_a);
    b = node(*store_b);
  }
  std::unique_ptr<SharedNonces> node(storage::Store& store) {
    auto key = core::await_blocking(store.nonce_key());
    EXPECT_TRUE(key);
    return SharedNonces::create(store, clock, *key, std::chrono::minutes(15)).value();
  }
  static bool redeem(Nonces& n, const std::string& nonce) {
    return core::await_blocking(n.redeem(nonce)).value();
  }

  storage::fixture::TempDb db;
  core::FixedClock clock{storage::fixture::kNow};
  std::unique_ptr<storage::SqliteStore> store_a, store_b;
  std::unique_ptr<SharedNonces> a, b;
};

TEST_F(SharedNoncesTest, AcceptedOnceByAnyNode) {
  const auto n = a->issue();
  EXPECT_NE(n, a->issue());
  EXPECT_TRUE(redeem(*b, n));
  EXPECT_FALSE(redeem(*a, n));
  EXPECT_FALSE(redeem(*b, n));
  const auto m = b->issue();
  EXPECT_TRUE(redeem(*a, m));
  EXPECT_FALSE(redeem(*b, m));
}

TEST_F(SharedNoncesTest, ForgedExpiredAndForeignNoncesAreRefused) {
  auto n = a->issue();
  n[3] = n[3] == 'A' ? 'B' : 'A';  // the MAC no longer matches
  EXPECT_FALSE(redeem(*b, n));
  EXPECT_FALSE(redeem(*b, "short"));
  EXPECT_FALSE(redeem(*b, "not base64url!"));

  const auto old = a->issue();
  clock.advance(std::chrono::minutes(15) + std::chrono::seconds(1));
  EXPECT_FALSE(redeem(*b, old));
  const auto fresh = a->issue();
  EXPECT_TRUE(redeem(*b, fresh));

  // Another database's key: its nonces are not this one's.
  storage::fixture::TempDb other_db;
  auto other_store = storage::SqliteStore::open(other_db.path()).value();
  auto other = node(*other_store);
  EXPECT_FALSE(redeem(*a, other->issue()));
  // Nor are a local node's.
  LocalNonces local;
  EXPECT_FALSE(redeem(*a, local.issue()));
}

}  // namespace
}  // namespace signet::server
