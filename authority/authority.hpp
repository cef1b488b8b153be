#pragma once
// The authority sequences every ACME operation (Boulder's RA): policy, then storage,
// validation and the CA, each awaited off the network threads. It takes and returns
// domain values only (no HTTP, no JSON), so the ACME front end and the command line
// use it alike. One file per concern: accounts, orders, challenges, issuance,
// revocation. Thread-safe.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "authority/account_cache.hpp"
#include "authority/crls.hpp"
#include "authority/external_accounts.hpp"
#include "authority/inventory.hpp"
#include "authority/metrics.hpp"
#include "authority/ocsp.hpp"
#include "authority/renewals.hpp"
#include "authority/requests.hpp"
#include "authority/revocations.hpp"
#include "authority/rules.hpp"
#include "ca/certificate_authority.hpp"
#include "core/async.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "policy/profile.hpp"
#include "storage/store.hpp"
#include "validation/validation_authority.hpp"

namespace signet::authority {

namespace asio = boost::asio;

struct Config {
  core::Seconds order_lifetime = std::chrono::hours(24 * 7);
  core::Seconds pending_authz_lifetime = std::chrono::hours(24 * 7);
  core::Seconds valid_authz_lifetime = std::chrono::hours(24 * 30);
  std::size_t orders_page_size = 50;
  // CAA is rechecked at finalization when the validation is older than this.
  core::Seconds caa_recheck_age = std::chrono::hours(8);
  // Account URLs are this followed by the account id (CAA accounturi, RFC 8657).
  std::string account_uri_prefix;
  // Where relying parties fetch the ACME issuer's certificate (DER); certificates name
  // it in their authority information access (none if empty).
  std::string ca_issuers_url;
  // Work in flight this process starts (validations, issuances) is leased to `run`
  // ("<node>/<run>") for `lease` at a time (authority/leases.hpp keeps it moving on).
  std::string run = "signet/0";
  core::Seconds lease = std::chrono::seconds(60);
};

struct Services {
  storage::Store& store;
  ca::CertificateAuthority& ca;
  validation::ValidationAuthority& va;
  const core::Clock& clock;
  core::WorkerPool& cpu;  // signing and CSR checks
  // Where validation outcomes are recorded (a network executor: recording only awaits).
  asio::any_io_executor background;
  // CRL publication: certificates name their shard's CRL (none without it).
  const CrlPublisher* crls = nullptr;
  // The OCSP responder: certificates name it (none without it).
  OcspService* ocsp = nullptr;
  // Where orders, certificates and the like are counted (none: a private registry).
  std::shared_ptr<core::metrics::Registry> metrics = nullptr;
};

class Authority final : private validation::ValidationSink {
 public:
  Authority(Services services, Config config, RulesPtr rules);

  template <class T>
  using Async = asio::awaitable<core::Result<T>>;

  // --- rules (rules.hpp) ---
  // The rules in force; requests that start after set_rules() see the new ones.
  RulesPtr rules() const { return rules_.load(); }
  void set_rules(RulesPtr rules);
  // The cheap part of the account key policy (type, size, curve, exponent): for the
  // front end, before it spends a signature verification on a key.
  core::Status check_account_key_type(const core::PublicKey& key) const;

  // --- accounts (accounts.cpp) ---
  // The account a JWS "kid" names: `accountDoesNotExist` if unknown, `unauthorized`
  // if deactivated (RFC 8555 §7.3.6). Served from the account cache when it can be.
  Async<core::Account> account_for_kid(const core::AccountId& id);
  Async<std::optional<core::Account>> account_by_key(const std::string& thumbprint);
  Async<AccountResult> new_account(const core::PublicKey& key, const NewAccountRequest& r);
  Async<core::Account> update_account(const core::Account& a, const AccountUpdate& u);
  // RFC 8555 §7.3.5 checks that need state; `Conflict` if the new key is taken.
  Async<core::Account> change_key(const core::Account& a, const core::PublicKey& old_key,
                                  const core::PublicKey& new_key);
  // External account keys (RFC 8555 §7.3.4), as the operator manages them.
  ExternalAccounts& external_accounts() { return eab_; }

  // --- orders (orders.cpp) ---
  Async<core::Order> new_order(const core::Account& a, const NewOrderRequest& r);
  Async<core::Order> order(const core::Account& a, const core::OrderId& id);
  Async<OrdersPage> orders(const core::Account& a, std::size_t page);

  // --- renewal information, RFC 9773 (ari.cpp) ---
  // The suggested renewal window of the certificate a certID names: `malformed` for a
  // bad certID, `NotFound` for one this CA did not issue. No account needed.
  Async<RenewalInfo> renewal_info(std::string_view cert_id);

  // --- pre-authorization, RFC 8555 §7.4.1 (preauthorization.cpp) ---
  // A pending authorization for one identifier, outside any order; never a wildcard.
  Async<core::Authorization> new_authorization(const core::Account& a, const core::Identifier& id);

  // --- authorizations and challenges (challenges.cpp) ---
  Async<core::Authorization> authorization(const core::Account& a, const core::AuthzId& id);
  Async<core::Authorization> deactivate_authorization(const core::Account& a,
                                                      const core::AuthzId& id);
  Async<core::Challenge> challenge(const core::Account& a, const core::AuthzId& authz,
                                   const core::ChallengeId& id);
  // Starts validation and answers at once with the challenge (processing), or with
  // its current state if it was already started or finished.
  Async<core::Challenge> respond_to_challenge(const core::Account& a, const core::AuthzId& authz,
                                              const core::ChallengeId& id);

  // --- issuance (issuance.cpp) ---
  Async<core::Order> finalize(const core::Account& a, const core::OrderId& id,
                              const std::string& csr_der);
  // A certificate, for the account that ordered it only (`NotFound` for others: the
  // names in a private CA's certificates are its inventory).
  Async<core::Certificate> certificate(const core::Account& a, const std::string& serial);
  // Certificates recorded but not stored by a run that stopped between signing and
  // storing (one whose work `t` takes over: storage::Takeover) are signed again,
  // identical but for the signature, and stored; those that cannot be end their order
  // invalid and are logged. Returns how many were stored.
  Async<int> resume_interrupted_issuances(const storage::Takeover& t);
  // What this process's work in flight is leased to, from now.
  storage::Lease lease() const;
  const std::string& run() const { return config_.run; }
  const std::string& issuer_pem() const { return s_.ca.intermediate_pem(); }
  // The chains offered beside a certificate's own (RFC 8555 §7.4.2), each whole.
  std::vector<std::string> alternate_chains(const std::string& chain_pem) const {
    return s_.ca.alternate_chains(chain_pem);
  }
  const std::string& root_pem() const { return s_.ca.root_pem(); }

  // --- revocation (revocation.cpp) ---
  // The current CRL of an issuer's shard, as the CRL publisher signed it; `NotFound`
  // for shards and issuers there are not (or when CRLs are not published).
  core::Result<std::shared_ptr<const PublishedCrl>> current_crl(const std::string& issuer,
                                                                const std::string& shard) const;
  asio::awaitable<core::Status> revoke(const RevocationRequester& who, const RevocationRequest& r);
  // The OCSP answer to a DER request (authority/ocsp.hpp); `NotFound` when no responder
  // runs.
  Async<OcspAnswer> ocsp(std::string_view request_der);
  // The ACME issuer's certificate, DER, as the caIssuers URL serves it.
  const std::string& issuer_der() const { return issuer_der_; }

  // Shutdown: waits until validations in flight have ended and their outcomes are
  // recorded, or `limit` has passed (false).
  asio::awaitable<bool> drain(std::chrono::milliseconds limit);

 private:
  // validation::ValidationSink: outcomes are recorded on the background executor.
  void outcome(const validation::ValidationJob& job, validation::ValidationOutcome o) override;
  void late_answer(const validation::ValidationJob& job, core::PerspectiveResult answer) override;
  asio::awaitable<void> record_outcome(validation::ValidationJob job,
                                       validation::ValidationOutcome o);
  asio::awaitable<void> record_late_answer(core::ChallengeId id, core::PerspectiveResult answer);

  // Rate limits (limits.cpp): the buckets one request touches, charged together.
  struct LimitCharges {
    std::vector<storage::LimitSpend> spends;
    std::vector<std::pair<const char*, std::string>> about;  // limit name, whose
    void add(const char* limit, std::string subject, std::string bucket, const policy::Rate& rate,
             std::uint64_t cost);
  };
  // refusing: a refusal refuses a request (false: only counting, as for a failed
  // validation), and is counted in the rate-limit metrics.
  asio::awaitable<core::Status> charge(const LimitCharges& c, bool refusing = true);
  // certificates_per_domain for a set of names, unless it renews an issued set.
  asio::awaitable<core::Status> add_certificate_charges(LimitCharges& c, const Limits& limits,
                                                        const std::vector<core::Identifier>& ids,
                                                        std::uint64_t cost);
  // The limits a new order is checked against; spends new_orders_per_account unless the
  // order is a certificate's first replacement (RFC 9773).
  asio::awaitable<core::Status> check_order_limits(const core::Account& a, const core::NewOrder& no,
                                                   const Limits& limits,
                                                   bool first_replacement = false);
  // pending_authorizations_per_account: room for `adding` more.
  asio::awaitable<core::Status> check_pending_authorizations(const core::Account& a,
                                                             std::size_t adding,
                                                             const Limits& limits,
                                                             core::TimePoint now);
  // RFC 9773 §5: whether an order for `ids` by `a` may replace the certificate a certID
  // names; its canonical certID if so, and whether no order tried to replace it before.
  struct Replacement {
    std::string cert_id;
    bool first = true;
  };
  Async<Replacement> check_replaces(const core::Account& a, std::string_view cert_id,
                                    const std::vector<core::Identifier>& ids);
  static std::string failed_validations_bucket(const core::AccountId& a,
                                               const core::Identifier& id);
  static std::vector<std::string> registered_domains(const std::vector<core::Identifier>& ids);

  // Profiles (orders.cpp): the profile an account may order under by that name (empty:
  // the default), or `invalidProfile`.
  core::Result<const ProfileRules*> offered_profile(const Rules& rules, const core::Account& a,
                                                    const std::string& name) const;
  // A valid authorization of the account's that a new order under p may reuse.
  Async<std::optional<core::AuthzId>> reusable_authorization(const core::Account& a,
                                                             const core::Identifier& base,
                                                             bool wildcard, const policy::Profile& p,
                                                             core::TimePoint now);

  // Any account's certificate by serial (revocation decides who may act on it).
  Async<core::Certificate> certificate_by_serial(const std::string& serial);
  // The CRL, OCSP and issuer URLs a new certificate carries (issuance.cpp).
  void add_relying_party_urls(ca::LeafRequest& req) const;
  // The record of a certificate about to be signed (issuance.cpp).
  static core::PendingIssuance pending_issuance(const core::AccountId& account,
                                                const core::OrderId& order,
                                                const ca::TbsCertificate& tbs,
                                                const std::string& spki_der);
  // Signs a recorded certificate and stores it with its order's completion; a failure
  // ends the order through fail_order.
  // `actor`: who the audit log names as issuing it.
  Async<core::Certificate> sign_and_store(core::AccountId account, core::OrderId id,
                                          ca::TbsCertificate tbs, core::TimePoint now,
                                          std::string actor);

  // Ends a processing order invalid with the problem that ended it (the one place).
  asio::awaitable<core::Error> fail_order(const core::OrderId& id, const core::Error& e);
  // RFC 8659: CAA must have been checked recently when the certificate is signed.
  asio::awaitable<core::Status> recheck_stale_caa(const core::Account& a, const core::Order& o,
                                                  const Rules& rules);
  // The external account key of a bound account, with what it allows checked for an
  // order's names and profile: `unauthorized` once the key is revoked.
  Async<core::EabKey> account_key(const core::Account& a, const std::vector<core::Identifier>& ids,
                                  const std::string& profile);
  // The order as it is now (status per authority/state), with changes persisted.
  asio::awaitable<core::Order> settle(const core::Order& stored);
  std::string account_uri(const core::AccountId& id) const {
    return config_.account_uri_prefix + id.value;
  }

  Services s_;
  AuthorityMetrics metrics_{s_.metrics};
  Config config_;
  std::atomic<RulesPtr> rules_;
  AccountCache accounts_;
  ExternalAccounts eab_;
  std::atomic<std::size_t> recording_{0};  // outcomes handed over, not yet stored
  Renewals renewals_{s_.store, s_.clock};
  Revocations revocations_{s_.store, s_.clock};
  Inventory inventory_{s_.store, s_.clock};
  std::string issuer_key_id_ = key_identifier_of(s_.ca.acme_issuer());
  std::string issuer_der_ = core::ossl::der_of(s_.ca.acme_issuer().certificate(), i2d_X509);
  // What certificates record as their issuer (Certificate::issuer_id).
  std::string issuer_id_ = ca::issuer_id(s_.ca.acme_issuer().certificate());
};

}  // namespace signet::authority
