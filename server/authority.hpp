#pragma once
// The authority sequences every ACME operation (Boulder's RA role): policy, then
// storage, validation and the CA, each awaited off the I/O threads. Handlers parse
// and respond; everything between is here. Thread-safe.
#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>
#include <vector>

#include "ca/certificate_authority.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "policy/identifiers.hpp"
#include "policy/profile.hpp"
#include "server/jose/jwk.hpp"
#include "server/json/decode.hpp"
#include "server/offload.hpp"
#include "server/urls.hpp"
#include "storage/store.hpp"
#include "validation/validation_authority.hpp"

namespace signet::server {

namespace asio = boost::asio;

struct AuthorityConfig {
  core::Seconds order_lifetime = std::chrono::hours(24 * 7);
  core::Seconds pending_authz_lifetime = std::chrono::hours(24 * 7);
  core::Seconds valid_authz_lifetime = std::chrono::hours(24 * 30);
  bool reuse_valid_authorizations = true;
  std::size_t orders_page_size = 50;
  bool terms_of_service_required = false;
  // This CA's CAA issuer domain names (RFC 8659 §4.2); with none, only names without
  // CAA records can be issued for.
  std::vector<std::string> caa_identities;
  // CAA is rechecked at finalization when the validation is older than this.
  core::Seconds caa_recheck_age = std::chrono::hours(8);
  policy::Profile profile;
};

struct Services {
  storage::Store& store;
  ca::CertificateAuthority& ca;
  validation::ValidationAuthority& va;
  const policy::IdentifierPolicy& identifiers;
  const core::Clock& clock;
  const Urls& urls;   // account URLs for CAA accounturi
  BlockingPool& db;   // SQLite work
  BlockingPool& cpu;  // signing and CSR checks
};

struct AccountResult {
  storage::Account account;
  bool created = false;
};

struct OrdersPage {
  std::vector<core::OrderId> orders;
  bool more = false;
};

// Who asks to revoke: an account (kid), or the holder of the certificate's key (jwk).
struct RevocationRequester {
  std::optional<storage::Account> account;
  std::optional<jose::Jwk> certificate_key;
};

class Authority {
 public:
  Authority(Services services, AuthorityConfig config);

  template <class T>
  using Async = asio::awaitable<core::Result<T>>;

  // The account a JWS "kid" names: `accountDoesNotExist` if unknown, `unauthorized`
  // if deactivated (RFC 8555 §7.3.6).
  Async<storage::Account> account_for_kid(const core::AccountId& id);
  Async<std::optional<storage::Account>> account_by_key(const std::string& thumbprint);

  Async<AccountResult> new_account(const jose::Jwk& key, const json::NewAccountPayload& p);
  Async<storage::Account> update_account(const storage::Account& a,
                                         const json::AccountUpdatePayload& p);
  // RFC 8555 §7.3.5 checks that need state; `Conflict` if the new key is taken.
  Async<storage::Account> change_key(const storage::Account& a, const jose::Jwk& old_key,
                                     const jose::Jwk& new_key);

  Async<storage::Order> new_order(const storage::Account& a, const json::NewOrderPayload& p);
  Async<storage::Order> order(const storage::Account& a, const core::OrderId& id);
  Async<OrdersPage> orders(const storage::Account& a, std::size_t page);
  Async<storage::Authorization> authorization(const storage::Account& a, const core::AuthzId& id);
  Async<storage::Authorization> deactivate_authorization(const storage::Account& a,
                                                         const core::AuthzId& id);
  Async<storage::Challenge> challenge(const storage::Account& a, const core::AuthzId& authz,
                                      const core::ChallengeId& id);
  // Starts validation and answers at once with the challenge (processing), or with
  // its current state if it was already started or finished.
  Async<storage::Challenge> respond_to_challenge(const storage::Account& a,
                                                 const core::AuthzId& authz,
                                                 const core::ChallengeId& id);
  Async<storage::Order> finalize(const storage::Account& a, const core::OrderId& id,
                                 const std::string& csr_der);
  Async<storage::Certificate> certificate(const std::string& serial);
  asio::awaitable<core::Status> revoke(const RevocationRequester& who,
                                       const json::RevokePayload& p);

  const std::string& issuer_pem() const { return s_.ca.intermediate_pem(); }

 private:
  asio::awaitable<void> validate_and_record(validation::Ticket ticket, storage::Authorization authz,
                                            storage::Challenge challenge,
                                            std::string key_authorization);
  // Ends a processing order invalid with the problem that ended it (the one place).
  asio::awaitable<core::Error> fail_order(const core::OrderId& id, const core::Error& e);
  // RFC 8659: CAA must have been checked recently when the certificate is signed.
  // Stores the answers of perspectives the outcome did not wait for, as they come.
  void record_late_answers(validation::LateAnswers& late, const core::ChallengeId& id);
  asio::awaitable<core::Status> recheck_stale_caa(const storage::Account& a,
                                                  const storage::Order& o);
  // The order as it is now (status per server/state), with changes persisted.
  asio::awaitable<storage::Order> settle(const storage::Order& stored);

  Services s_;
  AuthorityConfig config_;
};

}  // namespace signet::server
