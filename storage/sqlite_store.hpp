#pragma once
// The SQLite Store: one database file in WAL mode (synchronous=FULL), schema migrated
// on open. Writes go to one writer thread with group commit, reads to reader
// connections (storage/sqlite_executor.hpp). Thread-safe.
#include <memory>
#include <string>

#include "storage/sqlite_executor.hpp"
#include "storage/store.hpp"

namespace signet::storage {

class SqliteStore final : public Store {
 public:
  // Opens (creating and migrating) the database file at path.
  static core::Result<std::unique_ptr<SqliteStore>> open(const std::string& path,
                                                         detail::ExecutorOptions options = {});
  ~SqliteStore() override;

  Async<Account> create_account(const NewAccount& a, const Audit& audit) override;
  Maybe<Account> account_by_id(const core::AccountId& id) override;
  Maybe<Account> account_by_thumbprint(const std::string& thumbprint) override;
  Changed update_account_contact(const core::AccountId& id,
                                 const std::vector<std::string>& contact) override;
  Changed deactivate_account(const core::AccountId& id, const Audit& audit) override;
  Changed change_account_key(const core::AccountId& id, const std::string& old_thumbprint,
                             const AccountKey& key, const Audit& audit) override;
  Async<bool> is_account_key(const std::string& spki_sha256) override;
  Async<bool> is_certificate_key(const std::string& spki_sha256) override;
  Async<std::vector<core::AccountId>> accounts_bound_to(const std::string& kid) override;
  Async<std::vector<Account>> accounts(std::size_t limit) override;

  Changed create_eab_key(const core::EabKey& k, const Audit& audit) override;
  Maybe<core::EabKey> eab_key(const std::string& kid) override;
  Async<std::vector<core::EabKey>> eab_keys() override;
  Changed revoke_eab_key(const std::string& kid, core::TimePoint at, const Audit& audit) override;

  Async<Order> create_order(const NewOrder& o) override;
  Maybe<Order> order_by_id(const core::OrderId& id) override;
  Async<std::vector<Order>> orders_replacing(const std::string& cert_id) override;
  Async<std::vector<core::OrderId>> orders_by_account(const core::AccountId& id, std::size_t offset,
                                                      std::size_t limit) override;
  Async<std::vector<Order>> orders(const OrderQuery& q) override;
  Changed set_order_status(const core::OrderId& id, core::OrderStatus from,
                           core::OrderStatus to) override;
  Changed fail_order(const core::OrderId& id, const core::Error& error) override;
  Changed complete_order(const core::OrderId& id, const Certificate& cert,
                         const Audit& audit) override;

  Async<Authorization> create_authorization(const core::AccountId& account,
                                            const core::NewAuthorization& a,
                                            core::TimePoint created_at) override;
  Maybe<Authorization> authz_by_id(const core::AuthzId& id) override;
  Async<std::vector<Authorization>> valid_authzs(const core::AccountId& account,
                                                 const core::Identifier& id, bool wildcard,
                                                 core::TimePoint now) override;
  Changed deactivate_authz(const core::AuthzId& id) override;
  Changed start_challenge(const core::AuthzId& authz, const core::ChallengeId& id,
                          const Lease& lease) override;
  Changed complete_challenge(const ChallengeOutcome& outcome) override;
  Changed record_late_perspective(const core::ChallengeId& challenge,
                                  const core::PerspectiveResult& result) override;

  Changed start_issuance(const core::PendingIssuance& p, core::TimePoint at, const Lease& lease,
                         const Audit& audit) override;
  Async<std::vector<core::PendingIssuance>> interrupted_issuances(const Takeover& t,
                                                                  core::TimePoint until) override;
  Async<int> renew_leases(const std::string& owner, core::TimePoint until) override;
  Maybe<Certificate> certificate_by_serial(const std::string& serial) override;
  Changed record_infrastructure_certificate(const core::InfrastructureCertificate& c,
                                           const Audit& audit) override;
  Changed revoke_certificate(const std::string& serial, int reason, core::TimePoint at,
                             const Audit& audit) override;
  Async<std::vector<core::RevokedCertificate>> revoked_in_shard(int shard,
                                                               core::TimePoint now) override;
  Async<std::map<int, std::int64_t>> revocations_by_shard() override;
  Async<std::vector<Certificate>> current_certificates_of_account(const core::AccountId& account,
                                                                  core::TimePoint now) override;
  Async<std::vector<Certificate>> current_certificates_for(const core::Identifier& id,
                                                           core::TimePoint now) override;
  Async<PurgeCounts> purge_expired(core::TimePoint before, std::size_t limit) override;
  Async<std::vector<Certificate>> certificates(const CertificateQuery& q) override;
  Async<CertificateSummary> certificate_summary(const CertificateSummaryQuery& q) override;
  Changed mark_renew_early(const std::string& serial, core::TimePoint at,
                           const Audit& audit) override;
  Async<std::int64_t> append_audit(const Audit& audit) override;
  Async<std::vector<core::audit::Record>> audit_records(std::int64_t after,
                                                        std::size_t limit) override;
  Async<std::optional<LimitDenial>> spend_limits(const std::vector<LimitSpend>& spends,
                                                 core::TimePoint now) override;
  Async<std::size_t> count_pending_authorizations(const core::AccountId& account,
                                                  core::TimePoint now) override;
  Async<bool> issued_for_identifiers(const std::vector<core::Identifier>& identifiers) override;

  Async<int> recover_interrupted(const Takeover& t) override;
  Async<std::string> nonce_key() override;
  Changed redeem_nonce(const std::string& nonce, core::TimePoint expires) override;
  Async<std::size_t> purge_redeemed_nonces(core::TimePoint now) override;

  // Writes run and transactions committed so far (each commit is one fsync).
  detail::ExecutorStats stats() const;

 private:
  explicit SqliteStore(std::unique_ptr<detail::SqliteExecutor> exec);
  std::unique_ptr<detail::SqliteExecutor> exec_;
};

// 16 random bytes, base64url, never starting with "-": ids of accounts, orders,
// authorizations and challenges.
std::string random_id();

}  // namespace signet::storage
