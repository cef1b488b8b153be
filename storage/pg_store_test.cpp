// What only the PostgreSQL store does: migrating once when several nodes start
// together, and riding out a server restart. (Every verb's tests run on both backends:
// store_*_test.cpp.)
#include "storage/pg_store.hpp"

#include <gtest/gtest.h>

#include <future>
#include <thread>
#include <vector>

#include "storage/pg_db.hpp"
#include "storage/pg_statements.hpp"
#include "storage/pg_test_server.hpp"
#include "storage/store_test_fixture.hpp"

namespace signet::storage {
namespace {

using fixture::kNow;
using fixture::PgTestServer;
using fixture::sync;
using fixture::test_entry;

class PgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!PgTestServer::instance().unavailable().empty()) {
      GTEST_SKIP() << PgTestServer::instance().unavailable();
    }
    url = PgTestServer::instance().database();
  }
  std::string url;
};

TEST_F(PgStoreTest, NodesStartingTogetherMigrateOnce) {
  std::vector<std::future<core::Result<std::unique_ptr<PgStore>>>> opening;
  for (int i = 0; i < 4; ++i) {
    opening.push_back(std::async(std::launch::async,
                                 [this] { return PgStore::open({.url = url, .connections = 1}); }));
  }
  for (auto& f : opening) {
    auto s = f.get();
    ASSERT_TRUE(s) << s.error().detail;
  }
  detail::PgConnection c(url, std::chrono::seconds(10));
  EXPECT_EQ(c.query_integer(pgsql::kSchemaVersion),
            static_cast<int64_t>(std::size(pgsql::kMigrations)));
  EXPECT_EQ(c.query_integer("SELECT count(*) FROM schema_version"), 1);
}

TEST_F(PgStoreTest, ANewerSchemaIsRefused) {
  ASSERT_TRUE(PgStore::open({.url = url}));
  detail::PgConnection c(url, std::chrono::seconds(10));
  c.exec_script("UPDATE schema_version SET version = 99");
  auto s = PgStore::open({.url = url});
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().detail.find("newer"), std::string::npos) << s.error().detail;
}

TEST_F(PgStoreTest, AnUnreachableServerIsReportedWhenOpening) {
  auto s = PgStore::open({.url = "postgresql:///none?host=/nonexistent-signet-dir"});
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().detail.find("PostgreSQL"), std::string::npos) << s.error().detail;
}

TEST_F(PgStoreTest, StatementsRunUnderTheTimeout) {
  auto s = PgStore::open({.url = url, .connections = 1});
  ASSERT_TRUE(s);
  detail::PgConnection c(url, std::chrono::milliseconds(200));
  try {
    c.exec_script("SELECT pg_sleep(2)");
    ADD_FAILURE() << "a statement outlived statement_timeout";
  } catch (const detail::PgError& e) {
    EXPECT_EQ(e.sqlstate, "57014") << e.message;  // query_canceled
    EXPECT_FALSE(e.broken);
  }
}

// The server restarts under a running store: what is asked while it is down gets
// serverInternal with a Retry-After hint; once it is back, the same store works again
// on every connection, and nothing stored before is lost.
TEST_F(PgStoreTest, RequestsDuringARestartAreRefusedWithRetryAfterThenSucceed) {
  auto opened = PgStore::open({.url = url, .connections = 3});
  ASSERT_TRUE(opened) << opened.error().detail;
  auto& store = **opened;
  auto a = sync(store.create_account(
      {"{jwk}", "thumb-1", "spki-1", {"mailto:a@b.example"}, true, kNow}, test_entry()));
  ASSERT_TRUE(a) << a.error().detail;
  // Every connection of the pool has been opened.
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(sync(store.account_by_id(a->id)));

  PgTestServer::instance().stop();
  auto down = sync(store.account_by_id(a->id));
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().type, core::ProblemType::ServerInternal);
  ASSERT_TRUE(down.error().retry_after);
  EXPECT_GT(down.error().retry_after->count(), 0);
  auto write = sync(store.append_audit(test_entry("while.down")));
  ASSERT_FALSE(write);
  EXPECT_TRUE(write.error().retry_after);
  EXPECT_GE(store.unavailable(), 2u);

  PgTestServer::instance().start();
  for (int i = 0; i < 6; ++i) {
    auto found = sync(store.account_by_id(a->id));
    ASSERT_TRUE(found) << found.error().detail;
    ASSERT_TRUE(found->has_value());
  }
  auto b = sync(store.create_account({"{jwk}", "thumb-2", "spki-2", {}, true, kNow}, test_entry()));
  ASSERT_TRUE(b) << b.error().detail;
  auto records = sync(store.audit_records(0, 100));
  ASSERT_TRUE(records);
  EXPECT_EQ(records->size(), 2u);  // both accounts; nothing from the outage
}

}  // namespace
}  // namespace signet::storage
