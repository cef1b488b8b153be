// The Store's rate-limit verbs on each backend: token buckets, pending authorizations and
// the renewal exemption.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <thread>

#include "storage/sqlite_db.hpp"
#include "storage/sqlite_store.hpp"
#include "storage/statements.hpp"
#include "storage/store_test_fixture.hpp"

namespace signet::storage {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using core::Identifier;
using core::IdentifierType;
using fixture::kLease;
using fixture::kNow;
using fixture::CertificateStoreTest;
using fixture::sync;
using fixture::test_entry;
using policy::Rate;

class LimitsTest : public CertificateStoreTest {
 protected:
  std::optional<LimitDenial> spend(const std::vector<LimitSpend>& spends,
                                   core::TimePoint at = kNow) {
    auto r = sync(store->spend_limits(spends, at));
    EXPECT_TRUE(r) << r.error().detail;
    return r ? *r : LimitDenial{999, 0ms};
  }

  // How many of `tries` single spends on one bucket are allowed.
  int allowed(const std::string& bucket, const Rate& rate, int tries, core::TimePoint at = kNow) {
    int n = 0;
    for (int i = 0; i < tries; ++i) n += spend({{bucket, rate, 1}}, at) ? 0 : 1;
    return n;
  }

  int64_t bucket_rows() { return raw_integer("SELECT count(*) FROM rate_limit_buckets"); }
};

TEST_P(LimitsTest, ABucketTakesItsCountThenTellsWhenItFrees) {
  const Rate r{3, 3h};
  EXPECT_EQ(allowed("new_orders:acct:1", r, 3), 3);
  const auto denied = spend({{"new_orders:acct:1", r, 1}});
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->index, 0u);
  EXPECT_EQ(denied->retry_after, 1h);
  EXPECT_EQ(spend({{"new_orders:acct:1", r, 1}}, kNow + 59min)->retry_after, 1min);
  EXPECT_EQ(allowed("new_orders:acct:1", r, 2, kNow + 1h), 1);
}

TEST_P(LimitsTest, SpendsAreAllOrNothing) {
  const Rate two{2, 1h}, five{5, 1h};
  EXPECT_EQ(allowed("a", two, 2), 2);
  const auto denied = spend({{"b", five, 1}, {"a", two, 1}});
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->index, 1u);
  EXPECT_EQ(denied->retry_after, 30min);
  // Nothing was taken from b.
  EXPECT_FALSE(spend({{"b", five, 5}}));
  EXPECT_TRUE(spend({{"b", five, 1}}));
}

TEST_P(LimitsTest, TheDenialReturnedIsTheOneThatFreesLast) {
  EXPECT_EQ(allowed("soon", Rate{2, 1h}, 2), 2);     // frees in 30 min
  EXPECT_EQ(allowed("later", Rate{1, 24h}, 1), 1);   // frees in 24 h
  EXPECT_EQ(allowed("later2", Rate{1, 24h}, 1), 1);  // ties with "later"
  const auto denied = spend({{"free", Rate{9, 1h}, 1},
                             {"soon", Rate{2, 1h}, 1},
                             {"later", Rate{1, 24h}, 1},
                             {"later2", Rate{1, 24h}, 1}});
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->index, 2u);
  EXPECT_EQ(denied->retry_after, 24h);
}

TEST_P(LimitsTest, SpendsOnOneBucketAddUp) {
  const Rate one{1, 1h};
  const auto denied = spend({{"a", one, 1}, {"a", one, 1}});
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->index, 1u);
  EXPECT_EQ(allowed("a", one, 2), 1);  // the refused pair took nothing
}

TEST_P(LimitsTest, BucketsOfDifferentKeysAreIndependent) {
  const Rate r{2, 1h};
  EXPECT_EQ(allowed("new_orders:acct:1", r, 5), 2);
  EXPECT_EQ(allowed("new_orders:acct:2", r, 5), 2);
  EXPECT_EQ(allowed("new_accounts:ip:192.0.2.1", r, 5), 2);
}

TEST_P(LimitsTest, CostZeroChecksAndALimitThatIsOffIsNeverStored) {
  const Rate r{2, 1h};
  EXPECT_FALSE(spend({{"failed:acct:1:a.example", r, 0}}));
  EXPECT_EQ(bucket_rows(), 0);
  EXPECT_EQ(allowed("failed:acct:1:a.example", r, 2), 2);
  const auto used_up = spend({{"failed:acct:1:a.example", r, 0}});
  ASSERT_TRUE(used_up);
  EXPECT_EQ(used_up->retry_after, 30min);

  EXPECT_FALSE(spend({{"off", Rate{}, 1'000'000}, {"off", Rate{0, 1h}, 1}}));
  EXPECT_EQ(bucket_rows(), 1);
}

TEST_P(LimitsTest, FullBucketsAreDropped) {
  EXPECT_EQ(allowed("old", Rate{1, 1s}, 1), 1);
  EXPECT_EQ(allowed("older", Rate{1, 1s}, 1), 1);
  EXPECT_EQ(bucket_rows(), 2);
  EXPECT_EQ(allowed("new", Rate{1, 1h}, 1, kNow + 1min), 1);
  EXPECT_EQ(bucket_rows(), 1);
  // A dropped bucket is as full as it was.
  EXPECT_EQ(allowed("old", Rate{1, 1s}, 2, kNow + 1min), 1);
}

TEST_P(LimitsTest, ConcurrentSpendsNeverExceedTheCount) {
  constexpr int kSpenders = 200;
  const Rate r{50, 1h};
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  std::thread a([&] { io.run(); });
  std::thread b([&] { io.run(); });
  std::atomic<int> ok{0}, refused{0}, failed{0};
  for (int i = 0; i < kSpenders; ++i) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          const std::vector<LimitSpend> spends{{"shared", r, 1}, {"own", Rate{kSpenders, 1h}, 1}};
          auto d = co_await store->spend_limits(spends, kNow);
          if (!d) {
            ++failed;
          } else if (*d) {
            ++refused;
          } else {
            ++ok;
          }
        },
        asio::detached);
  }
  work.reset();
  a.join();
  b.join();
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(ok, 50);
  EXPECT_EQ(refused, kSpenders - 50);
  // Only the allowed spends took from the other bucket.
  EXPECT_EQ(allowed("own", Rate{kSpenders, 1h}, kSpenders), kSpenders - 50);
}

TEST(SqliteLimitsFile, BucketsPersistAcrossReopen) {
  fixture::TempDb db;
  const Rate r{2, 1h};
  {
    auto s = SqliteStore::open(db.path());
    ASSERT_TRUE(s);
    EXPECT_FALSE(*sync((*s)->spend_limits({{"a", r, 2}}, kNow)));
  }
  auto s = SqliteStore::open(db.path());
  ASSERT_TRUE(s);
  const auto denied = sync((*s)->spend_limits({{"a", r, 1}}, kNow + 10min));
  ASSERT_TRUE(denied && *denied);
  EXPECT_EQ((*denied)->retry_after, 20min);
  EXPECT_FALSE(*sync((*s)->spend_limits({{"a", r, 1}}, kNow + 30min)));
}

TEST_P(LimitsTest, PendingAuthorizationsAreCountedPerAccountUntilTheyExpire) {
  const auto a = account("a"), b = account("b");
  const auto o = order(a, {"a.example", "b.example", "c.example"});
  order(b, {"d.example"});
  EXPECT_EQ(*sync(store->count_pending_authorizations(a.id, kNow)), 3u);
  EXPECT_EQ(*sync(store->count_pending_authorizations(b.id, kNow)), 1u);

  // One validated, one deactivated: neither is pending.
  auto authz = sync(store->authz_by_id(o.authorizations[0].id)).value().value();
  ASSERT_TRUE(*sync(store->start_challenge(authz.id, authz.challenges[0].id, kLease)));
  ASSERT_TRUE(*sync(store->complete_challenge(
      {authz.challenges[0].id, authz.id, true, kNow, std::nullopt, {}, std::nullopt, {}})));
  ASSERT_TRUE(*sync(store->deactivate_authz(o.authorizations[1].id)));
  EXPECT_EQ(*sync(store->count_pending_authorizations(a.id, kNow)), 1u);

  // Pending authorizations expire at kNow + 24h.
  EXPECT_EQ(*sync(store->count_pending_authorizations(a.id, kNow + 24h - 1s)), 1u);
  EXPECT_EQ(*sync(store->count_pending_authorizations(a.id, kNow + 24h)), 0u);
}

TEST_P(LimitsTest, IssuedForIdentifiersMatchesTheExactSet) {
  const auto a = account("a"), b = account("b");
  issued(a, {"b.example", "a.example"}, "01", 1);
  const Identifier ea{IdentifierType::Dns, "a.example"}, eb{IdentifierType::Dns, "b.example"};
  EXPECT_TRUE(*sync(store->issued_for_identifiers({ea, eb})));
  EXPECT_TRUE(*sync(store->issued_for_identifiers({eb, ea, eb})));  // a set
  EXPECT_FALSE(*sync(store->issued_for_identifiers({ea})));
  EXPECT_FALSE(
      *sync(store->issued_for_identifiers({ea, eb, Identifier{IdentifierType::Dns, "c.example"}})));
  EXPECT_FALSE(*sync(store->issued_for_identifiers({})));
  // Any account's certificate counts; the type is part of the key.
  issued(b, {"c.example"}, "02", 1);
  EXPECT_TRUE(*sync(store->issued_for_identifiers({{IdentifierType::Dns, "c.example"}})));
  EXPECT_FALSE(*sync(store->issued_for_identifiers({{IdentifierType::Ip, "c.example"}})));
}

// SQLite's query plans.
class SqliteLimitsTest : public LimitsTest {};

// The lookups the limits add read an index, never the whole table.
TEST_P(SqliteLimitsTest, LookupsUseTheirIndexes) {
  // The connection caches statements by their text's address: each lives to the end.
  const std::string pending = std::string("EXPLAIN QUERY PLAN ") + sql::kCountPendingAuthzs;
  const std::string issued = std::string("EXPLAIN QUERY PLAN ") + sql::kIssuedForIdentifiers;
  const std::string sweep = std::string("EXPLAIN QUERY PLAN ") + sql::kDeleteFullLimitBuckets;
  detail::Connection c(db.path());
  const auto plan = [&](const std::string& explain) {
    auto st = c.prepare(explain.c_str());
    std::string out;
    while (st.step()) out += st.text(3) + "\n";
    return out;
  };
  EXPECT_NE(plan(pending).find("USING INDEX authz_pending_by_account"), std::string::npos)
      << plan(pending);
  EXPECT_NE(plan(issued).find("USING COVERING INDEX certificates_by_identifiers"),
            std::string::npos)
      << plan(issued);
  EXPECT_NE(plan(sweep).find("USING COVERING INDEX rate_limit_buckets_by_expiry"),
            std::string::npos)
      << plan(sweep);
}

SIGNET_ON_EVERY_BACKEND(LimitsTest);
INSTANTIATE_TEST_SUITE_P(Sqlite, SqliteLimitsTest, ::testing::Values(fixture::Backend::Sqlite),
                         fixture::backend_name);

}  // namespace
}  // namespace signet::storage
