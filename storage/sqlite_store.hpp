#pragma once
// The SQLite Store: one database file in WAL mode, schema migrated on open.
// Thread-safe: calls are serialized on one connection (SQLite has one writer anyway);
// each call blocks, so callers run it off the I/O threads.
#include <memory>
#include <mutex>
#include <string>

#include "storage/store.hpp"

namespace signet::storage {

namespace detail {
class Connection;
}

class SqliteStore final : public Store {
 public:
  // path ":memory:" gives a private in-memory database (tests).
  static core::Result<std::unique_ptr<SqliteStore>> open(const std::string& path);
  ~SqliteStore() override;

  core::Result<Account> create_account(const NewAccount& a) override;
  Maybe<Account> account_by_id(const core::AccountId& id) override;
  Maybe<Account> account_by_thumbprint(const std::string& thumbprint) override;
  Changed update_account_contact(const core::AccountId& id,
                                 const std::vector<std::string>& contact) override;
  Changed deactivate_account(const core::AccountId& id) override;
  Changed change_account_key(const core::AccountId& id, const std::string& old_thumbprint,
                             const AccountKey& key) override;
  core::Result<bool> is_account_key(const std::string& spki_sha256) override;
  core::Result<bool> is_certificate_key(const std::string& spki_sha256) override;

  core::Result<Order> create_order(const NewOrder& o) override;
  Maybe<Order> order_by_id(const core::OrderId& id) override;
  core::Result<std::vector<core::OrderId>> orders_by_account(const core::AccountId& id,
                                                             std::size_t offset,
                                                             std::size_t limit) override;
  Changed set_order_status(const core::OrderId& id, core::OrderStatus from,
                           core::OrderStatus to) override;
  Changed fail_order(const core::OrderId& id, const core::Error& error) override;
  Changed complete_order(const core::OrderId& id, const Certificate& cert) override;

  Maybe<Authorization> authz_by_id(const core::AuthzId& id) override;
  core::Result<std::vector<Authorization>> valid_authzs(const core::AccountId& account,
                                                        const core::Identifier& id, bool wildcard,
                                                        core::TimePoint now) override;
  Changed deactivate_authz(const core::AuthzId& id) override;
  Changed start_challenge(const core::AuthzId& authz, const core::ChallengeId& id) override;
  Changed complete_challenge(const ChallengeOutcome& outcome) override;
  Changed record_late_perspective(const core::ChallengeId& challenge,
                                  const core::PerspectiveResult& result) override;

  Changed reserve_serial(const std::string& serial, const core::OrderId& order,
                         core::TimePoint at) override;
  Maybe<Certificate> certificate_by_serial(const std::string& serial) override;
  Changed revoke_certificate(const std::string& serial, int reason, core::TimePoint at) override;
  core::Result<int> recover_interrupted() override;

 private:
  explicit SqliteStore(std::unique_ptr<detail::Connection> c);
  template <class F>
  auto locked(F&& f) -> decltype(f());

  std::mutex mu_;
  std::unique_ptr<detail::Connection> db_;
};

// 16 random bytes, base64url: ids of orders, authorizations and challenges.
std::string random_id();

}  // namespace signet::storage
