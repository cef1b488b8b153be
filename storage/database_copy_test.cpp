// Copying a SQLite database into PostgreSQL: filled through the SQLite store's verbs,
// read back through the PostgreSQL store's.
#include "storage/database_copy.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "storage/pg_db.hpp"
#include "storage/pg_statements.hpp"
#include "storage/store_test_fixture.hpp"

namespace signet::storage {
namespace {

using core::Identifier;
using core::IdentifierType;
using fixture::Backend;
using fixture::kLease;
using fixture::kNow;
using fixture::PgTestServer;
using fixture::sync;
using fixture::test_entry;

std::vector<std::string> known_tables() {
  std::vector<std::string> out;
  for (const auto& t : copied_tables()) out.emplace_back(t.name);
  std::sort(out.begin(), out.end());
  return out;
}

template <class Db>
std::vector<std::string> schema_tables(Db& db) {
  std::vector<std::string> out;
  auto st = db.prepare(sql::kTables);
  while (st.step()) out.push_back(st.text(0));
  std::sort(out.begin(), out.end());
  return out;
}

// A table added to the schema must be added to the copy (copied, or named as not).
TEST(DatabaseCopyTables, EveryTableOfTheSqliteSchemaIsKnown) {
  fixture::TempDb db;
  ASSERT_TRUE(SqliteStore::open(db.path()));
  detail::Connection c(db.path());
  EXPECT_EQ(schema_tables(c), known_tables());
}

TEST(DatabaseCopyTables, EveryTableOfThePostgreSQLSchemaIsKnown) {
  auto& server = PgTestServer::instance();
  if (!server.unavailable().empty()) GTEST_SKIP() << server.unavailable();
  const auto url = server.database();
  ASSERT_TRUE(PgStore::open({.url = url, .connections = 1}));
  detail::PgConnection c(url, std::chrono::seconds(10));
  EXPECT_EQ(schema_tables(c), known_tables());
}

std::string hex(const std::string& bytes) {
  std::ostringstream o;
  for (unsigned char b : bytes) o << std::hex << static_cast<int>(b) << '.';
  return o.str();
}
std::string opt(const std::optional<core::TimePoint>& t) {
  return t ? std::to_string(core::to_unix(*t)) : "-";
}
std::string opt(const std::optional<std::string>& s) {
  return s ? *s : "-";
}
std::string opt(const std::optional<core::Error>& e) {
  return e ? std::to_string(static_cast<int>(e->type)) + ":" + e->detail : "-";
}

// What a store's verbs read of everything in it, as text: two stores holding the same
// rows print the same.
std::string contents(Store& s) {
  std::ostringstream o;
  const auto accounts = sync(s.accounts(1000)).value();
  for (const auto& a : accounts) {
    o << "account " << a.id.value << " " << a.jwk << " " << a.jwk_thumbprint << " "
      << static_cast<int>(a.status) << " " << a.tos_agreed << " " << core::to_unix(a.created_at)
      << " " << opt(a.eab_kid);
    for (const auto& c : a.contact) o << " " << c;
    o << "\n";
    const auto orders = sync(s.orders_by_account(a.id, 0, 1000)).value();
    for (const auto& oid : orders) {
      const auto order = sync(s.order_by_id(oid)).value().value();
      o << " order " << order.id.value << " " << static_cast<int>(order.status) << " "
        << core::to_unix(order.expires) << " " << opt(order.not_before) << " "
        << opt(order.not_after) << " " << opt(order.error) << " " << opt(order.certificate_serial)
        << " " << core::to_unix(order.created_at) << " " << order.profile << " "
        << opt(order.replaces) << "\n";
      for (const auto& id : order.identifiers) o << "  id " << id.value << "\n";
      for (const auto& ref : order.authorizations) {
        const auto z = sync(s.authz_by_id(ref.id)).value().value();
        o << "  authz " << z.id.value << " " << z.identifier.value << " " << z.wildcard << " "
          << static_cast<int>(z.status) << " " << core::to_unix(z.expires) << " "
          << opt(z.prevalidated_by) << " " << opt(ref.validated_at) << "\n";
        for (const auto& c : z.challenges) {
          o << "   challenge " << c.id.value << " " << static_cast<int>(c.type) << " "
            << static_cast<int>(c.status) << " " << c.token << " " << opt(c.validated_at) << " "
            << opt(c.error) << "\n";
          for (const auto& r : c.records) {
            o << "    record " << r.perspective << " " << r.url << " " << r.hostname << " "
              << r.port << " " << r.address_used;
            for (const auto& a : r.addresses_resolved) o << " " << a;
            o << "\n";
          }
          for (const auto& p : c.perspectives) {
            o << "    perspective " << p.perspective << " " << static_cast<int>(p.verdict) << " "
              << opt(p.problem) << "\n";
          }
        }
      }
    }
  }
  CertificateQuery all;
  all.now = kNow;
  const auto certificates = sync(s.certificates(all)).value();
  for (const auto& c : certificates) {
    o << "certificate " << c.serial << " " << c.account_id.value << " " << c.order_id.value << " "
      << hex(c.der) << " " << c.chain_pem << " " << hex(c.key_spki_sha256) << " "
      << core::to_unix(c.not_before) << " " << core::to_unix(c.not_after) << " "
      << core::to_unix(c.issued_at) << " " << opt(c.revoked_at) << " "
      << c.revocation_reason.value_or(-1) << " " << c.profile << " " << opt(c.renew_early_at);
    for (const auto& id : c.identifiers) o << " " << id.value;
    o << "\n";
  }
  const auto shards = sync(s.revocations_by_shard()).value();
  for (const auto& [shard, n] : shards) {
    o << "shard " << shard.first << "/" << shard.second << " " << n << "\n";
  }
  const auto keys = sync(s.eab_keys()).value();
  for (const auto& k : keys) {
    o << "eab " << k.kid << " " << hex(k.hmac_key) << " " << k.note << " "
      << (k.max_validity ? k.max_validity->count() : -1) << " " << k.reusable << " "
      << core::to_unix(k.created_at) << " " << opt(k.revoked_at) << " " << k.accounts;
    for (const auto& d : k.allowed_domains) o << " a:" << d;
    for (const auto& d : k.prevalidated_domains) o << " p:" << d;
    for (const auto& p : k.profiles) o << " f:" << p;
    const auto bound = sync(s.accounts_bound_to(k.kid)).value();
    for (const auto& a : bound) o << " bound:" << a.value;
    o << "\n";
  }
  const auto audit = sync(s.audit_records(0, 100000)).value();
  for (const auto& r : audit) {
    o << "audit " << r.seq << " " << r.text << " " << r.hash << "\n";
  }
  return o.str();
}

// The source: a SQLite store (the fixture's), filled through its verbs.
class DatabaseCopyTest : public fixture::CertificateStoreTest {
 protected:
  void SetUp() override {
    CertificateStoreTest::SetUp();
    auto& server = PgTestServer::instance();
    if (!server.unavailable().empty()) GTEST_SKIP() << server.unavailable();
    target = server.database();
  }

  core::EabKey eab(const std::string& kid, std::string hmac, bool reusable) {
    core::EabKey k;
    k.kid = kid;
    k.hmac_key = std::move(hmac);
    k.note = "note of " + kid;
    k.allowed_domains = {"a.example", "b.example"};
    k.prevalidated_domains = {"corp.a.example"};
    k.profiles = {"tls"};
    k.max_validity = std::chrono::hours(24 * 30);
    k.reusable = reusable;
    k.created_at = kNow;  // all at once: their order is the order they were made in
    EXPECT_TRUE(*sync(store->create_eab_key(k, test_entry("eab.create"))));
    return k;
  }

  // Something in every table.
  void fill() {
    five_certificates();
    ASSERT_TRUE(*sync(store->mark_renew_early("01", kNow, test_entry())));
    // Revoked certificates in CRL shards: one of a recorded issuer, one from before
    // certificates recorded theirs.
    issued(account("k-crl"), {"crl.example"}, "0b", 90, 3, "5f3e9a01c2d4b6e8");
    issued(account("k-crl-old"), {"crl-old.example"}, "0c", 90, 3);
    ASSERT_TRUE(*sync(store->revoke_certificate("0b", 1, kNow, test_entry())));
    ASSERT_TRUE(*sync(store->revoke_certificate("0c", 1, kNow, test_entry())));
    // Keys made in the order z, a, m (not the order of their names), with bytes that COPY
    // must escape.
    eab("kid-z", std::string("\x00\x01\t\n\\\r\xff", 7), true);
    eab("kid-a", "plain", false);
    eab("kid-m", "m", false);
    ASSERT_TRUE(*sync(store->revoke_eab_key("kid-m", kNow, test_entry())));
    NewAccount bound{"{jwk-e}", "thumb-e", "spki-e", {"mailto:e@x.example"}, true, kNow};
    bound.eab_kid = "kid-z";
    ASSERT_TRUE(sync(store->create_account(bound, test_entry())));
    auto gone = account("k-gone");
    ASSERT_TRUE(*sync(store->deactivate_account(gone.id, test_entry())));
    ASSERT_FALSE(*sync(store->update_account_contact(gone.id, {"mailto:x@y.example"})));

    // A validation with records and perspectives, and its late answer.
    auto authz = started("c.example");
    core::ValidationRecord rec{"primary",
                               "http://c.example/.well-known/acme-challenge/t",
                               "c.example",
                               "80",
                               {"192.0.2.1", "2001:db8::1"},
                               "192.0.2.1"};
    const std::vector<core::PerspectiveResult> perspectives{
        {"primary", core::PerspectiveVerdict::Valid, std::nullopt},
        {"eu-1", core::PerspectiveVerdict::NotAwaited, std::nullopt}};
    ASSERT_TRUE(*sync(store->complete_challenge({authz.challenges[0].id,
                                                 authz.id,
                                                 true,
                                                 kNow,
                                                 std::nullopt,
                                                 {rec},
                                                 kNow + std::chrono::hours(24 * 30),
                                                 perspectives})));
    ASSERT_TRUE(*sync(store->record_late_perspective(
        authz.challenges[0].id,
        {"eu-1", core::PerspectiveVerdict::Invalid,
         core::make_error(core::ProblemType::Dns, "NXDOMAIN\tfor\nc.example")})));

    // An issuance interrupted between recording and storing its certificate.
    auto o = order(account("k-interrupted"), {"i.example"});
    ASSERT_TRUE(
        *sync(store->set_order_status(o.id, core::OrderStatus::Pending, core::OrderStatus::Ready)));
    ASSERT_TRUE(*sync(store->start_issuance(pending(o, "0a"), kNow, kLease, test_entry())));
    // A failed order, and a pending one.
    auto failed = order(account("k-failed"), {"f.example"});
    ASSERT_TRUE(*sync(store->set_order_status(failed.id, core::OrderStatus::Pending,
                                              core::OrderStatus::Processing)));
    ASSERT_TRUE(*sync(
        store->fail_order(failed.id, core::make_error(core::ProblemType::BadCsr, "bad \\ CSR"))));
    order(account("k-pending"), {"p.example", "q.example"});

    const auto infra = fixture::infrastructure_certificate();
    ASSERT_TRUE(*sync(store->record_infrastructure_certificate(infra, test_entry())));
    // A rate-limit bucket used up.
    ASSERT_FALSE(
        *sync(store->spend_limits({{"orders:acct:1", {1, std::chrono::hours(24)}, 1}}, kNow)));
    ASSERT_TRUE(sync(store->append_audit(test_entry("policy.reload"))));
    // A node's own: not copied.
    source_nonce_key = sync(store->nonce_key()).value();
    ASSERT_TRUE(*sync(store->redeem_nonce("n1", kNow + std::chrono::hours(1))));
  }

  std::unique_ptr<PgStore> open_target() {
    auto s = PgStore::open({.url = target, .connections = 2});
    EXPECT_TRUE(s) << s.error().detail;
    return std::move(s).value();
  }

  std::string target;
  std::string source_nonce_key;
};

TEST_P(DatabaseCopyTest, EverythingReadsBackTheSameThroughThePostgreSQLStore) {
  fill();
  // Copied beside the SQLite store still open on the file (as beside a running server).
  auto report = copy_to_postgresql(db.path(), target);
  ASSERT_TRUE(report) << report.error().detail;

  auto pg = open_target();
  const auto before = contents(*store);
  for (const char* seen : {"certificate 03", "eab kid-z 0.1.9.a.5c.d.ff.", "record primary",
                           "perspective eu-1", "NXDOMAIN\tfor\nc.example", "bad \\ CSR", "audit 1 ",
                           "shard 5f3e9a01c2d4b6e8/3 1", "shard /3 1"}) {
    EXPECT_NE(before.find(seen), std::string::npos) << seen << " in\n" << before;
  }
  EXPECT_EQ(contents(*pg), before);

  // Every table counted on both sides.
  ASSERT_EQ(report->tables.size(), copied_tables().size());
  std::int64_t rows = 0;
  for (const auto& t : report->tables) {
    if (t.copied) {
      EXPECT_EQ(t.target, t.source) << t.table;
      EXPECT_GT(t.source, 0) << t.table << ": the test fills every table";
      rows += t.source;
    } else {
      EXPECT_EQ(t.target, 0) << t.table;
      EXPECT_GT(t.source, 0) << t.table;
    }
  }
  EXPECT_GT(rows, 50);
  EXPECT_EQ(report->schema_version, static_cast<int>(std::size(sql::kMigrations)));

  // What only a verb that writes shows.
  const auto records = sync(store->audit_records(0, 100000)).value();
  ASSERT_FALSE(records.empty());
  EXPECT_EQ(report->audit_entries, records.back().seq);
  const auto next = test_entry("after.copy");
  ASSERT_EQ(*sync(pg->append_audit(next)), records.back().seq + 1);
  const auto appended = sync(pg->audit_records(records.back().seq, 10)).value();
  ASSERT_EQ(appended.size(), 1u);
  EXPECT_EQ(appended[0].hash,
            core::audit::chain(records.back().seq + 1, next, records.back().hash).hash);

  EXPECT_TRUE(*sync(pg->spend_limits({{"orders:acct:1", {1, std::chrono::hours(24)}, 1}}, kNow)));
  const auto infra = fixture::infrastructure_certificate();
  EXPECT_FALSE(*sync(pg->record_infrastructure_certificate(infra, test_entry())));

  const auto interrupted =
      sync(pg->interrupted_issuances({"node-b/run-1", kNow + std::chrono::hours(1), ""},
                                     kNow + std::chrono::hours(2)))
          .value();
  ASSERT_EQ(interrupted.size(), 1u);
  EXPECT_EQ(interrupted[0].serial, "0a");
  EXPECT_EQ(interrupted[0].spki_der, "SPKI-0a");

  EXPECT_TRUE(*sync(pg->is_account_key("spki-k1")));
  EXPECT_TRUE(*sync(pg->is_certificate_key("key-01")));
  EXPECT_TRUE(*sync(pg->issued_for_identifiers({{IdentifierType::Dns, "two.example"}})));
  auto again =
      sync(pg->create_account({"{jwk}", "thumb-k1", "spki-k1", {}, true, kNow}, test_entry()));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().type, core::ProblemType::Conflict);

  // A key made after the copy comes after the copied ones (the serial that orders them
  // was moved past theirs).
  ASSERT_TRUE(*sync(
      pg->create_eab_key({"kid-b", "b", "", {}, {}, {}, std::nullopt, false, kNow}, test_entry())));
  std::vector<std::string> kids;
  const auto keys = sync(pg->eab_keys()).value();
  for (const auto& k : keys) kids.push_back(k.kid);
  EXPECT_EQ(kids, (std::vector<std::string>{"kid-z", "kid-a", "kid-m", "kid-b"}));

  // The nonce key is not copied: the target makes its own; nonces redeemed are not.
  EXPECT_NE(sync(pg->nonce_key()).value(), source_nonce_key);
  EXPECT_TRUE(*sync(pg->redeem_nonce("n1", kNow + std::chrono::hours(1))));
}

TEST_P(DatabaseCopyTest, ATargetThatHoldsRowsIsRefusedAndKeepsThem) {
  fill();
  {
    auto pg = open_target();
    ASSERT_TRUE(
        sync(pg->create_account({"{jwk}", "thumb-pg", "spki-pg", {}, true, kNow}, test_entry())));
  }
  auto report = copy_to_postgresql(db.path(), target);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().type, core::ProblemType::Conflict);
  EXPECT_NE(report.error().detail.find("accounts 1"), std::string::npos) << report.error().detail;
  EXPECT_NE(report.error().detail.find("audit_log 1"), std::string::npos) << report.error().detail;
  auto pg = open_target();
  EXPECT_EQ(sync(pg->accounts(100)).value().size(), 1u);
  CertificateQuery all;
  all.now = kNow;
  EXPECT_TRUE(sync(pg->certificates(all)).value().empty());
}

TEST_P(DatabaseCopyTest, AFailedCopyLeavesNothingBehind) {
  fill();
  // A row PostgreSQL refuses, late in the copy: a text column holding a NUL byte.
  {
    detail::Connection c(db.path());
    c.exec_script("INSERT INTO rate_limit_buckets VALUES ('nul' || char(0) || 'x', 1, 1)");
  }
  auto report = copy_to_postgresql(db.path(), target);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().type, core::ProblemType::ServerInternal);
  detail::PgConnection c(target, std::chrono::seconds(10));
  for (const auto& t : copied_tables()) {
    EXPECT_EQ(c.query_integer(("SELECT count(*) FROM " + std::string(t.name)).c_str()), 0)
        << t.name;
  }
  // The schema stays, as a node would have made it; the copy can run again.
  ASSERT_EQ(c.query_integer(pgsql::kSchemaVersion),
            static_cast<int64_t>(std::size(pgsql::kMigrations)));
}

TEST_P(DatabaseCopyTest, ASourceOfAnotherSchemaVersionIsRefusedUntouched) {
  fill();
  {
    detail::Connection c(db.path());
    c.set_user_version(static_cast<int>(std::size(sql::kMigrations)) - 1);
  }
  auto report = copy_to_postgresql(db.path(), target);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().type, core::ProblemType::Malformed);
  EXPECT_NE(report.error().detail.find("signet serve"), std::string::npos) << report.error().detail;
  detail::Connection c(db.path());
  EXPECT_EQ(c.user_version(), static_cast<int>(std::size(sql::kMigrations)) - 1);

  c.set_user_version(static_cast<int>(std::size(sql::kMigrations)) + 1);
  report = copy_to_postgresql(db.path(), target);
  ASSERT_FALSE(report);
  EXPECT_NE(report.error().detail.find("newer"), std::string::npos) << report.error().detail;
}

TEST_P(DatabaseCopyTest, NoSourceIsNotFound) {
  auto report = copy_to_postgresql(db.path() + "-none", target);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().type, core::ProblemType::NotFound);
}

// The source is SQLite; the target the throwaway PostgreSQL server.
INSTANTIATE_TEST_SUITE_P(FromSqlite, DatabaseCopyTest, ::testing::Values(Backend::Sqlite),
                         fixture::backend_name);

}  // namespace
}  // namespace signet::storage
