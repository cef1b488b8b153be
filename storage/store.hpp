#pragma once
// The storage interface: verbs of the ACME state machine, not tables. Every state
// change is a guarded update that reports whether it happened (false: the row was
// not in the expected state). Every verb is awaited: an implementation runs it on
// its own executor (threads and connections of its own, never the caller's) and
// resumes the caller on the caller's executor; a write is durable before it is
// reported. Implementations are thread-safe. SQLite today; PostgreSQL behind the
// same verbs.
//
// The verbs that change what an audit must see (accounts, external account keys,
// finalization, issuance of every certificate, revocation) take the audit entry that records the change,
// and append it to the audit log in the same transaction, only when the change
// happened: the entry is durable before the change is reported, and a change is
// never stored without its entry.
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/audit.hpp"
#include "core/records.hpp"
#include "core/result.hpp"
#include "policy/rate_limit.hpp"

namespace signet::storage {

using core::Account;
using core::AccountKey;
using core::Authorization;
using core::Certificate;
using core::ChallengeOutcome;
using core::NewAccount;
using core::NewOrder;
using core::Order;

template <class T>
using Async = boost::asio::awaitable<core::Result<T>>;
template <class T>
using Maybe = Async<std::optional<T>>;
using Changed = Async<bool>;
using Audit = core::audit::Entry;

// A CRL: the issuer whose certificates it lists (Certificate::issuer_id, empty for
// those recorded without one) and the shard.
using CrlShard = std::pair<std::string, int>;

// What one purge_expired deleted.
struct PurgeCounts {
  std::size_t orders = 0;
  std::size_t authorizations = 0;
  std::size_t nonces = 0;  // redeemed nonces forgotten (authority/housekeeping)
};

// One request against a rate limit: `cost` taken from the token bucket named `bucket`
// (its limit and its subject, e.g. "new_orders:acct:<id>"), which refills at `rate`.
// Buckets are shared by every node on the same database.
struct LimitSpend {
  std::string bucket;
  policy::Rate rate;
  std::uint64_t cost = 1;
};

// Why spend_limits refused: which spend (its index) and how long until it would fit.
struct LimitDenial {
  std::size_t index = 0;
  std::chrono::milliseconds retry_after{0};
};

// Work in flight (a challenge being validated, an order being issued) is held by one
// run of one node until `until`, which that run keeps moving on (renew_leases) while it
// works. Another node ends or resumes it only once the lease lapsed; a node starting
// again takes over its earlier runs' work at once. `owner` is "<node>/<run>".
struct Lease {
  std::string owner;
  core::TimePoint until{};
};

// Who takes over interrupted work, and when: `run` (its lease is never lapsed to
// itself); `now`, against which leases lapse; and, at a node's start, the owner prefix
// "<node>/" of its earlier runs, whose work is taken over whatever its lease says.
struct Takeover {
  std::string run;
  core::TimePoint now{};
  std::string earlier_runs;  // empty: none
};

// What certificates() selects: each field that is set narrows the selection.
struct CertificateQuery {
  std::optional<core::AccountId> account{};
  std::optional<core::Identifier> name{};  // exactly as issued: "*.x" for a wildcard
  // A lower-case DNS name whose last label is not numeric: certificates naming it, a name
  // under it ("www.x", "*.x" for "x") or a wildcard covering it ("*.x" for "www.x").
  std::optional<std::string> dns_name_or_under{};
  // Valid (unrevoked, unexpired) at `now` and expiring by this time.
  std::optional<core::TimePoint> expiring_by{};
  std::optional<core::CertificateStatus> status{};  // as of `now`
  core::TimePoint now{};
  std::size_t limit = 1000;
};

// What certificate_summary() counts, over every certificate as of `now`. Day i of a
// series covers [from + i days, from + i + 1 days).
struct CertificateSummaryQuery {
  core::TimePoint now{};
  core::TimePoint expiring_by{};  // counted as expiring: valid at `now`, expiring by this
  core::TimePoint issued_from{};  // issued on each of `issued_days` days from here
  std::size_t issued_days = 0;
  core::TimePoint expiring_from{};  // unrevoked, expiring after `now`, on each day from here
  std::size_t expiring_days = 0;
};

// Valid, expired and revoked partition every certificate (authority::certificate_status);
// expiring ones are among the valid.
struct CertificateSummary {
  std::int64_t valid = 0;
  std::int64_t expiring = 0;
  std::int64_t expired = 0;
  std::int64_t revoked = 0;
  std::vector<std::int64_t> issued_per_day;    // issued_days entries
  std::vector<std::int64_t> expiring_per_day;  // expiring_days entries
};

// What orders() selects: an account's, and those stored with one of `stored_statuses`
// (empty: any). Stored statuses lag behind (authority/state says what an order is now).
struct OrderQuery {
  std::optional<core::AccountId> account{};
  std::vector<core::OrderStatus> stored_statuses{};
  std::size_t limit = 1000;
};

class Store {
 public:
  virtual ~Store() = default;

  // Accounts. create_account fails with `Conflict` if the key is already an account's.
  // With an eab_kid, the account is bound to that external account key in the same
  // transaction: `Unauthorized` (and nothing created) if the key is unknown, revoked,
  // or single-use and already bound, so two accounts never both take a single-use key.
  // The audit entry gains the new account's id as its last detail, "account".
  virtual Async<Account> create_account(const NewAccount& a, const Audit& audit) = 0;
  virtual Maybe<Account> account_by_id(const core::AccountId& id) = 0;
  virtual Maybe<Account> account_by_thumbprint(const std::string& thumbprint) = 0;
  virtual Changed update_account_contact(const core::AccountId& id,
                                         const std::vector<std::string>& contact) = 0;
  virtual Changed deactivate_account(const core::AccountId& id, const Audit& audit) = 0;
  // Replaces the key of a valid account whose key is still old_thumbprint. `Conflict`
  // if the new key belongs to another account.
  virtual Changed change_account_key(const core::AccountId& id, const std::string& old_thumbprint,
                                     const AccountKey& key, const Audit& audit) = 0;
  // Whether a key (SPKI SHA-256) is an account key / a certified key.
  virtual Async<bool> is_account_key(const std::string& spki_sha256) = 0;
  virtual Async<bool> is_certificate_key(const std::string& spki_sha256) = 0;
  // The accounts bound to an external account key, oldest first.
  virtual Async<std::vector<core::AccountId>> accounts_bound_to(const std::string& kid) = 0;
  // At most `limit` accounts, oldest first (for the operator).
  virtual Async<std::vector<Account>> accounts(std::size_t limit) = 0;

  // External account keys (RFC 8555 §7.3.4). create_eab_key: false if the kid exists.
  virtual Changed create_eab_key(const core::EabKey& k, const Audit& audit) = 0;
  virtual Maybe<core::EabKey> eab_key(const std::string& kid) = 0;
  // Every key, oldest first.
  virtual Async<std::vector<core::EabKey>> eab_keys() = 0;
  // not revoked → revoked. Accounts bound to it stay bound (and are refused orders).
  virtual Changed revoke_eab_key(const std::string& kid, core::TimePoint at,
                                 const Audit& audit) = 0;

  // Orders and their authorizations, created in one transaction. An authorization
  // with prevalidated_by is created valid, with no challenge. `AlreadyReplaced`
  // (and nothing created) if o.replaces names a certificate that an order which is not
  // invalid already replaces.
  virtual Async<Order> create_order(const NewOrder& o) = 0;
  virtual Maybe<Order> order_by_id(const core::OrderId& id) = 0;
  // Every order that replaces this certID, whatever its status (as stored).
  virtual Async<std::vector<Order>> orders_replacing(const std::string& cert_id) = 0;
  // One page of an account's orders, oldest first; ids only.
  virtual Async<std::vector<core::OrderId>> orders_by_account(const core::AccountId& id,
                                                              std::size_t offset,
                                                              std::size_t limit) = 0;
  // At most q.limit orders, newest first (for the operator).
  virtual Async<std::vector<Order>> orders(const OrderQuery& q) = 0;
  virtual Changed set_order_status(const core::OrderId& id, core::OrderStatus from,
                                   core::OrderStatus to) = 0;
  // processing → invalid with the problem that ended it.
  virtual Changed fail_order(const core::OrderId& id, const core::Error& error) = 0;
  // processing → valid, storing the certificate in the same transaction.
  virtual Changed complete_order(const core::OrderId& id, const Certificate& cert,
                                 const Audit& audit) = 0;

  // Authorizations and challenges.
  // A pending authorization outside any order, with its challenges (RFC 8555 §7.4.1).
  virtual Async<Authorization> create_authorization(const core::AccountId& account,
                                                    const core::NewAuthorization& a,
                                                    core::TimePoint created_at) = 0;
  virtual Maybe<Authorization> authz_by_id(const core::AuthzId& id) = 0;
  // An account's authorizations for an identifier that are valid until after `now`.
  virtual Async<std::vector<Authorization>> valid_authzs(const core::AccountId& account,
                                                         const core::Identifier& id, bool wildcard,
                                                         core::TimePoint now) = 0;
  // pending|valid → deactivated.
  virtual Changed deactivate_authz(const core::AuthzId& id) = 0;
  // challenge pending → processing under `lease`, only while its authorization is
  // pending and no other challenge of it is processing.
  virtual Changed start_challenge(const core::AuthzId& authz, const core::ChallengeId& id,
                                  const Lease& lease) = 0;
  // challenge processing → valid|invalid, its authorization pending → valid|invalid,
  // with the validation records and problem; an authorization made valid makes the
  // orders it completes (pending, unexpired, every authorization valid) ready.
  virtual Changed complete_challenge(const ChallengeOutcome& outcome) = 0;
  // A perspective's answer that came after the outcome was decided: notAwaited →
  // its verdict. The outcome itself never changes.
  virtual Changed record_late_perspective(const core::ChallengeId& challenge,
                                          const core::PerspectiveResult& result) = 0;

  // ready → processing under `lease`, recording the certificate about to be signed with
  // its serial: false if the order was not ready; `Conflict` (and nothing changed) if
  // the serial was ever used.
  virtual Changed start_issuance(const core::PendingIssuance& p, core::TimePoint at,
                                 const Lease& lease, const Audit& audit) = 0;
  // Certificates recorded by start_issuance whose order is still processing and which
  // were never stored (a crash between signing and storing), oldest first: those `t`
  // may take over (see recover_interrupted), leased to t.run until `until` in the same
  // transaction, so that one node only resumes each.
  virtual Async<std::vector<core::PendingIssuance>> interrupted_issuances(
      const Takeover& t, core::TimePoint until) = 0;
  // Moves the lease of every piece of work in flight that `owner` holds to `until`;
  // returns how many.
  virtual Async<int> renew_leases(const std::string& owner, core::TimePoint until) = 0;

  // Certificates.
  virtual Maybe<Certificate> certificate_by_serial(const std::string& serial) = 0;
  // A certificate Signet signed for itself; false if that serial was recorded before.
  virtual Changed record_infrastructure_certificate(const core::InfrastructureCertificate& c,
                                                   const Audit& audit) = 0;
  // not revoked → revoked.
  virtual Changed revoke_certificate(const std::string& serial, int reason, core::TimePoint at,
                                     const Audit& audit) = 0;
  // The revoked certificates of an issuer's CRL shard that have not expired at `now`, by
  // serial. issuer: Certificate::issuer_id, empty for those recorded without one.
  virtual Async<std::vector<core::RevokedCertificate>> revoked_in_shard(const std::string& issuer,
                                                                        int shard,
                                                                        core::TimePoint now) = 0;
  // For each issuer's shard (issuer as above), how many of its certificates were ever
  // revoked: a shard whose count changed needs a new CRL (whichever process revoked).
  virtual Async<std::map<CrlShard, std::int64_t>> revocations_by_shard() = 0;
  // The DER of the certificate issued last among those recorded without their issuer
  // that name a CRL shard; none when there are none.
  virtual Maybe<std::string> last_certificate_without_issuer() = 0;
  // Certificates that are not revoked and have not expired by `now`, soonest expiry
  // first: an account's, or those naming an identifier (exactly as issued: "*.x" for
  // a wildcard).
  virtual Async<std::vector<Certificate>> current_certificates_of_account(
      const core::AccountId& account, core::TimePoint now) = 0;
  virtual Async<std::vector<Certificate>> current_certificates_for(const core::Identifier& id,
                                                                   core::TimePoint now) = 0;
  // Housekeeping: deletes at most `limit` orders that expired before `before` without a
  // certificate, then at most `limit` authorizations that expired before `before` and
  // that no remaining order names (with their challenges and validation records).
  // Certificates, their orders and accounts stay.
  virtual Async<PurgeCounts> purge_expired(core::TimePoint before, std::size_t limit) = 0;
  // At most q.limit certificates, soonest expiry first (for the operator).
  virtual Async<std::vector<Certificate>> certificates(const CertificateQuery& q) = 0;
  // Counts by status and per day over the whole table (for the operator).
  virtual Async<CertificateSummary> certificate_summary(const CertificateSummaryQuery& q) = 0;
  // Not revoked, not yet marked → marked for early renewal at `at` (RFC 9773).
  virtual Changed mark_renew_early(const std::string& serial, core::TimePoint at,
                                   const Audit& audit) = 0;

  // The audit log. append_audit: an entry that records no stored change (a policy
  // reload, a backup); returns its number. audit_records: at most `limit` entries
  // numbered after `after`, in order.
  virtual Async<std::int64_t> append_audit(const Audit& audit) = 0;
  virtual Async<std::vector<core::audit::Record>> audit_records(std::int64_t after,
                                                                std::size_t limit) = 0;

  // Rate limits.
  // Spends every one of `spends` at `now` (policy/rate_limit.hpp: gcra), all or
  // nothing: if each fits, all are taken and nullopt returned; otherwise nothing is
  // taken and the denial that frees last is returned (the longest retry_after; the
  // first of those that tie). A cost of 0 takes nothing and is denied when its bucket
  // is used up. Spends whose rate is off are allowed and never stored. Spends on the
  // same bucket add up.
  virtual Async<std::optional<LimitDenial>> spend_limits(const std::vector<LimitSpend>& spends,
                                                         core::TimePoint now) = 0;
  // An account's authorizations that are pending and have not expired at `now`.
  virtual Async<std::size_t> count_pending_authorizations(const core::AccountId& account,
                                                          core::TimePoint now) = 0;
  // Whether a certificate (any account's) was ever issued for exactly this set of
  // identifiers: the renewal exemption. Order and repeats in `identifiers` do not
  // matter. Certificates stored before schema version 4 are not seen.
  virtual Async<bool> issued_for_identifiers(const std::vector<core::Identifier>& identifiers) = 0;

  // Challenges and orders left "processing" by a node that stopped (their lease lapsed,
  // or an earlier run of the node starting again held them; see Takeover) end invalid
  // with a serverInternal problem, so nothing stays stuck; orders with a recorded
  // certificate are left for interrupted_issuances(). Work another live node holds is
  // left alone. Returns how many objects were ended.
  virtual Async<int> recover_interrupted(const Takeover& t) = 0;

  // Anti-replay nonces every node on this database accepts (server/nonce.hpp).
  // nonce_key: the key that authenticates them, made by the first node to ask.
  virtual Async<std::string> nonce_key() = 0;
  // True the first time a nonce is redeemed by any node; it is remembered until
  // `expires`, when it would be refused anyway.
  virtual Changed redeem_nonce(const std::string& nonce, core::TimePoint expires) = 0;
  // Forgets nonces that expired before `now`; returns how many.
  virtual Async<std::size_t> purge_redeemed_nonces(core::TimePoint now) = 0;
};

}  // namespace signet::storage
