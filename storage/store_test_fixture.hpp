#pragma once
// What the Store's tests share: a database of their own and a store open on it, with
// helpers that make accounts and orders. Every fixture here is parameterised by
// backend: SQLite always, PostgreSQL on a throwaway server (storage/pg_test_server.hpp;
// the PostgreSQL variants are skipped, and say why, when no server can be started).
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/async.hpp"
#include "storage/pg_store.hpp"
#include "storage/pg_test_server.hpp"
#include "storage/sqlite_db.hpp"
#include "storage/sqlite_store.hpp"

namespace signet::storage::fixture {

// An audit entry for verbs whose entry a test does not look at.
inline core::audit::Entry test_entry(std::string action = "test.change") {
  core::audit::Entry e;
  e.at = core::from_unix(1'700'000'000);
  e.action = std::move(action);
  e.actor = "operator:test";
  return e;
}

using core::Identifier;
using core::IdentifierType;

const core::TimePoint kNow = core::from_unix(1'800'000'000);
// Work in flight started by the tests is leased to one run of node-a for a minute.
const Lease kLease{"node-a/run-1", kNow + std::chrono::minutes(1)};

template <class T>
T sync(boost::asio::awaitable<T> a) {
  return core::await_blocking(std::move(a));
}

// The serials of what a certificate query found, in its order.
inline std::vector<std::string> serials(const core::Result<std::vector<Certificate>>& found) {
  std::vector<std::string> out;
  for (const auto& c : found.value()) out.push_back(c.serial);
  return out;
}

// A database file of its own for each test, removed afterwards.
// A certificate Signet signed for its own listener.
inline core::InfrastructureCertificate infrastructure_certificate() {
  return {"0fed",
          "infrastructure",
          "infrastructure-tls-server",
          {{core::IdentifierType::Dns, "localhost"}},
          "spki",
          "DER",
          kNow,
          kNow + std::chrono::hours(24),
          kNow};
}

class TempDb {
 public:
  TempDb()
      : path_(std::filesystem::temp_directory_path() / ("signet-store-" + random_id() + ".db")) {}
  ~TempDb() {
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(path_.string() + suffix);
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

enum class Backend { Sqlite, PostgreSQL };

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::Sqlite ? "sqlite" : "postgresql";
}

// Runs a parameterised fixture's tests on both backends.
#define SIGNET_ON_EVERY_BACKEND(Fixture)                                                    \
  INSTANTIATE_TEST_SUITE_P(Backends, Fixture,                                               \
                           ::testing::Values(::signet::storage::fixture::Backend::Sqlite,   \
                                             ::signet::storage::fixture::Backend::PostgreSQL), \
                           ::signet::storage::fixture::backend_name)

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  TempDb db;        // SQLite's file
  std::string url;  // PostgreSQL's schema
  void SetUp() override {
    if (GetParam() == Backend::PostgreSQL) {
      auto& server = PgTestServer::instance();
      if (!server.unavailable().empty()) GTEST_SKIP() << server.unavailable();
      url = server.database();
    }
    auto s = open_store();
    ASSERT_TRUE(s) << s.error().detail;
    store = std::move(s).value();
  }

  // A store on this test's database: another one stands for another process or node.
  core::Result<std::unique_ptr<Store>> open_store() {
    if (GetParam() == Backend::Sqlite) {
      auto s = SqliteStore::open(db.path());
      if (!s) return std::move(s).error();
      return std::unique_ptr<Store>(std::move(s).value());
    }
    auto s = PgStore::open({.url = url, .connections = 4});
    if (!s) return std::move(s).error();
    return std::unique_ptr<Store>(std::move(s).value());
  }

  // Runs SQL on a connection of its own, past the store; the database's error, if any.
  std::string raw_sql(const std::string& sql) {
    try {
      if (GetParam() == Backend::Sqlite) {
        detail::Connection c(db.path());
        c.exec_script(sql.c_str());
      } else {
        detail::PgConnection c(url, std::chrono::seconds(30));
        c.exec_script(sql.c_str());
      }
    } catch (const detail::SqliteError& e) {
      return e.message;
    } catch (const detail::PgError& e) {
      return e.message;
    }
    return "";
  }
  // The first column of the first row of a query run past the store.
  int64_t raw_integer(const std::string& sql) {
    if (GetParam() == Backend::Sqlite) {
      detail::Connection c(db.path());
      auto st = c.prepare(sql.c_str());
      st.step();
      return st.integer(0);
    }
    detail::PgConnection c(url, std::chrono::seconds(30));
    return c.query_integer(sql.c_str());
  }

  Account account(const std::string& key = "k1") {
    auto a = sync(store->create_account(
        {"{jwk}", "thumb-" + key, "spki-" + key, {"mailto:a@b.example"}, true, kNow},
        test_entry()));
    EXPECT_TRUE(a);
    return a.value();
  }

  Order order(const Account& a, std::vector<std::string> names) {
    NewOrder o;
    o.account_id = a.id;
    o.expires = kNow + std::chrono::hours(24);
    o.created_at = kNow;
    for (auto& n : names) {
      Identifier id{IdentifierType::Dns, n};
      o.identifiers.push_back(id);
      o.create.push_back({id, false, kNow + std::chrono::hours(24), {core::ChallengeType::Http01}});
    }
    auto r = sync(store->create_order(o));
    EXPECT_TRUE(r);
    return r.value();
  }

  // What start_issuance records for an order's certificate with this serial.
  static core::PendingIssuance pending(const Order& o, const std::string& serial) {
    core::PendingIssuance p;
    p.order_id = o.id;
    p.account_id = o.account_id;
    p.serial = serial;
    p.issuer = "acme";
    p.profile = "acme-tls-server";
    p.spki_der = "SPKI-" + serial;
    p.key_spki_sha256 = "key-" + serial;
    p.identifiers = o.identifiers;
    p.not_before = kNow;
    p.not_after = kNow + std::chrono::hours(24 * 90);
    return p;
  }

  // A new order's authorization for name, with its first challenge processing.
  Authorization started(const std::string& name) {
    auto o = order(account("k-" + name), {name});
    auto authz = sync(store->authz_by_id(o.authorizations[0].id)).value().value();
    EXPECT_TRUE(*sync(store->start_challenge(authz.id, authz.challenges[0].id, kLease)));
    return authz;
  }

  std::unique_ptr<Store> store;
};

// With certificates stored through orders, as issuance stores them.
class CertificateStoreTest : public StoreTest {
 protected:
  // A certificate stored for a new order of a's for names, valid from kNow for `days`,
  // in a CRL shard of an issuer when given.
  Certificate issued(const Account& a, std::vector<std::string> names, const std::string& serial,
                     int days = 90, std::optional<int> crl_shard = std::nullopt,
                     const std::string& issuer_id = {}) {
    auto o = order(a, std::move(names));
    EXPECT_TRUE(
        *sync(store->set_order_status(o.id, core::OrderStatus::Pending, core::OrderStatus::Ready)));
    EXPECT_TRUE(*sync(store->start_issuance(pending(o, serial), kNow, kLease, test_entry())));
    Certificate c;
    c.serial = serial;
    c.account_id = a.id;
    c.order_id = o.id;
    c.der = "DER-" + serial;
    c.chain_pem = "PEM";
    c.key_spki_sha256 = "key-" + serial;
    c.identifiers = o.identifiers;
    c.not_before = kNow;
    c.not_after = kNow + std::chrono::hours(24 * days);
    c.issued_at = kNow;
    c.crl_shard = crl_shard;
    c.issuer_id = issuer_id;
    EXPECT_TRUE(*sync(store->complete_order(o.id, c, test_entry())));
    return c;
  }
  // Two accounts' certificates, valid from kNow: a's 01 (one.example, two.example, 90
  // days), 02 (two.example, 10 days), 04 (sub.two.example, 90 days), 05 (two.example,
  // 1 day); b's 03 (two.example, 90 days), revoked (superseded) at kNow.
  std::pair<Account, Account> five_certificates() {
    auto a = account("k1");
    auto b = account("k2");
    issued(a, {"one.example", "two.example"}, "01");
    issued(a, {"two.example"}, "02", 10);
    issued(b, {"two.example"}, "03");
    issued(a, {"sub.two.example"}, "04");
    issued(a, {"two.example"}, "05", 1);
    EXPECT_TRUE(*sync(store->revoke_certificate("03", 4, kNow, test_entry())));
    return {a, b};
  }
};

}  // namespace signet::storage::fixture
