// The audit log in storage: entries written with the changes they record, one chain
// for every writer of a database, and a table that refuses edits.
#include <gtest/gtest.h>

#include <thread>

#include "storage/store_test_fixture.hpp"

namespace signet::storage {
namespace {

using fixture::CertificateStoreTest;
using fixture::kLease;
using fixture::kNow;
using fixture::sync;
using fixture::test_entry;

class AuditLogTest : public CertificateStoreTest {
 protected:
  std::vector<core::audit::Record> all() { return sync(store->audit_records(0, 100000)).value(); }
  std::vector<std::string> actions() {
    std::vector<std::string> out;
    for (const auto& r : all()) {
      const auto at = r.text.find("\"action\":\"") + 10;
      out.push_back(r.text.substr(at, r.text.find('"', at) - at));
    }
    return out;
  }
  bool intact() {
    core::audit::Verifier v;
    for (const auto& r : all()) v.feed(r);
    if (v.broken()) ADD_FAILURE() << *v.broken();
    return v.ok();
  }
};

TEST_P(AuditLogTest, ChangesAreRecordedOnlyWhenTheyHappen) {
  const auto a = account("k1");
  issued(a, {"one.example"}, "0a");
  EXPECT_TRUE(*sync(store->revoke_certificate("0a", 1, kNow, test_entry("certificate.revoke"))));
  // Already revoked, already deactivated, an unknown kid: nothing changes, nothing recorded.
  EXPECT_FALSE(*sync(store->revoke_certificate("0a", 1, kNow, test_entry("again"))));
  EXPECT_TRUE(*sync(store->deactivate_account(a.id, test_entry("account.deactivate"))));
  EXPECT_FALSE(*sync(store->deactivate_account(a.id, test_entry("again"))));
  EXPECT_FALSE(*sync(store->revoke_eab_key("nope", kNow, test_entry("again"))));
  EXPECT_EQ(actions(), (std::vector<std::string>{"test.change", "test.change", "test.change",
                                                 "certificate.revoke", "account.deactivate"}));
  EXPECT_TRUE(intact());
}

TEST_P(AuditLogTest, AccountCreationNamesTheNewAccount) {
  const auto a = account("k1");
  const auto r = all();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_NE(r[0].text.find("\"details\":{\"account\":\"" + a.id.value + "\"}"), std::string::npos)
      << r[0].text;
}

TEST_P(AuditLogTest, AFailedWriteLeavesNoEntry) {
  account("k1");
  // The same key again: Conflict, rolled back with its entry.
  auto again = sync(store->create_account(
      {"{jwk}", "thumb-k1", "spki-k1", {}, true, kNow}, test_entry("account.create")));
  ASSERT_FALSE(again);
  EXPECT_EQ(all().size(), 1u);
  // A serial used before: Conflict, the order stays ready, no entry.
  const auto a = account("k2");
  issued(a, {"x.example"}, "0b");
  auto o = order(a, {"y.example"});
  ASSERT_TRUE(
      *sync(store->set_order_status(o.id, core::OrderStatus::Pending, core::OrderStatus::Ready)));
  const auto before = all().size();
  auto started = sync(store->start_issuance(pending(o, "0b"), kNow, kLease, test_entry()));
  ASSERT_FALSE(started);
  EXPECT_EQ(all().size(), before);
  EXPECT_TRUE(intact());
}

TEST_P(AuditLogTest, StandaloneEntriesAndPaging) {
  for (int i = 0; i < 25; ++i) {
    auto seq = sync(store->append_audit(test_entry("policy.reload")));
    ASSERT_TRUE(seq);
    EXPECT_EQ(*seq, i + 1);
  }
  auto page = sync(store->audit_records(10, 5)).value();
  ASSERT_EQ(page.size(), 5u);
  EXPECT_EQ(page.front().seq, 11);
  EXPECT_EQ(page.back().seq, 15);
  EXPECT_TRUE(sync(store->audit_records(25, 5)).value().empty());
  EXPECT_TRUE(intact());
}

TEST_P(AuditLogTest, EveryWriterOfADatabaseExtendsOneChain) {
  // A second store on the same file stands for another process (the command line, or
  // another node); both write at once.
  auto other = open_store();
  ASSERT_TRUE(other);
  constexpr int kEach = 60;
  std::thread t([&] {
    for (int i = 0; i < kEach; ++i) ASSERT_TRUE(sync((*other)->append_audit(test_entry("b"))));
  });
  for (int i = 0; i < kEach; ++i) ASSERT_TRUE(sync(store->append_audit(test_entry("a"))));
  t.join();
  EXPECT_EQ(all().size(), 2u * kEach);
  EXPECT_TRUE(intact());
}

TEST_P(AuditLogTest, TheTableRefusesEditsAndDeletions) {
  ASSERT_TRUE(sync(store->append_audit(test_entry())));
  EXPECT_NE(raw_sql("UPDATE audit_log SET entry = 'x'").find("append-only"), std::string::npos);
  EXPECT_NE(raw_sql("DELETE FROM audit_log").find("append-only"), std::string::npos);
  EXPECT_EQ(all().size(), 1u);
  // Someone who drops the triggers can edit a row; the chain shows it.
  const std::string drop = GetParam() == fixture::Backend::Sqlite
                               ? "DROP TRIGGER audit_log_no_update; "
                               : "DROP TRIGGER audit_log_no_update ON audit_log; ";
  ASSERT_EQ(raw_sql(drop + "UPDATE audit_log SET entry = replace(entry, 'test.change', 'test.chang3')"),
            "");
  core::audit::Verifier v;
  for (const auto& r : all()) v.feed(r);
  EXPECT_FALSE(v.ok());
}

SIGNET_ON_EVERY_BACKEND(AuditLogTest);

}  // namespace
}  // namespace signet::storage
