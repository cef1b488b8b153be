#include "server/authority.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

#include "policy/contact.hpp"
#include "policy/csr.hpp"
#include "policy/key_policy.hpp"
#include "server/log.hpp"
#include "server/state.hpp"

namespace signet::server {
namespace {

using core::ProblemType;

core::Error not_found(const std::string& what) {
  return core::make_error(ProblemType::NotFound, what + " not found");
}

// RFC 5280 §5.3.1 reasons a subscriber may give: unspecified, keyCompromise,
// affiliationChanged, superseded, cessationOfOperation.
constexpr int kAllowedReasons[] = {0, 1, 3, 4, 5};

}  // namespace

Authority::Authority(Services services, AuthorityConfig config)
    : s_(services), config_(std::move(config)) {}

Authority::Async<storage::Account> Authority::account_for_kid(const core::AccountId& id) {
  auto a = co_await s_.db.run([&] { return s_.store.account_by_id(id); });
  if (!a) co_return std::move(a).error();
  if (!a->has_value()) {
    co_return core::make_error(ProblemType::AccountDoesNotExist, "No account exists at that URL");
  }
  if ((*a)->status != core::AccountStatus::Valid) {
    co_return core::make_error(ProblemType::DeactivatedAccount,
                               "The account is " + std::string(to_string((*a)->status)));
  }
  co_return std::move(**a);
}

Authority::Async<std::optional<storage::Account>> Authority::account_by_key(
    const std::string& thumbprint) {
  co_return co_await s_.db.run([&] { return s_.store.account_by_thumbprint(thumbprint); });
}

Authority::Async<AccountResult> Authority::new_account(const jose::Jwk& key,
                                                       const json::NewAccountPayload& p) {
  if (auto st = policy::check_key(key.key.get(), policy::KeyUse::Account); !st)
    co_return std::move(st).error();
  auto existing = co_await account_by_key(key.thumbprint);
  if (!existing) co_return std::move(existing).error();
  if (existing->has_value()) {
    // RFC 8555 §7.3.1: the existing account, whatever else was asked.
    if ((*existing)->status != core::AccountStatus::Valid) {
      co_return core::make_error(ProblemType::DeactivatedAccount,
                                 "The account for this key is deactivated");
    }
    co_return AccountResult{std::move(**existing), false};
  }
  if (p.only_return_existing) {
    co_return core::make_error(ProblemType::AccountDoesNotExist, "No account exists with this key");
  }
  if (config_.terms_of_service_required && !p.terms_of_service_agreed) {
    co_return core::make_error(
        ProblemType::Malformed,
        "You must agree to the terms of service (termsOfServiceAgreed: true)");
  }
  const auto contact = p.contact.value_or(std::vector<std::string>{});
  if (auto st = policy::check_contacts(contact); !st) co_return std::move(st).error();
  auto is_cert_key =
      co_await s_.db.run([&] { return s_.store.is_certificate_key(key.spki_sha256); });
  if (!is_cert_key) co_return std::move(is_cert_key).error();
  if (*is_cert_key) {
    co_return core::make_error(
        ProblemType::BadPublicKey,
        "This key is certified in a certificate; use another key for the account");
  }
  storage::NewAccount na{key.canonical_json,        key.thumbprint, key.spki_sha256, contact,
                         p.terms_of_service_agreed, s_.clock.now()};
  auto created = co_await s_.db.run([&] { return s_.store.create_account(na); });
  if (!created && created.error().type == ProblemType::Conflict) {
    // Created concurrently by another request with the same key: return that one.
    auto again = co_await account_by_key(key.thumbprint);
    if (again && again->has_value()) co_return AccountResult{std::move(**again), false};
  }
  if (!created) co_return std::move(created).error();
  log_info("account created: " + created->id.value);
  co_return AccountResult{std::move(created).value(), true};
}

Authority::Async<storage::Account> Authority::update_account(const storage::Account& a,
                                                             const json::AccountUpdatePayload& p) {
  if (p.contact) {
    if (auto st = policy::check_contacts(*p.contact); !st) co_return std::move(st).error();
    auto r = co_await s_.db.run([&] { return s_.store.update_account_contact(a.id, *p.contact); });
    if (!r) co_return std::move(r).error();
  }
  if (p.deactivate) {
    auto r = co_await s_.db.run([&] { return s_.store.deactivate_account(a.id); });
    if (!r) co_return std::move(r).error();
    log_info("account deactivated: " + a.id.value);
  }
  auto fresh = co_await s_.db.run([&] { return s_.store.account_by_id(a.id); });
  if (!fresh) co_return std::move(fresh).error();
  if (!fresh->has_value()) co_return not_found("Account");
  co_return std::move(**fresh);
}

Authority::Async<storage::Account> Authority::change_key(const storage::Account& a,
                                                         const jose::Jwk& old_key,
                                                         const jose::Jwk& new_key) {
  // RFC 8555 §7.3.5 step 6: oldKey is the account's current key.
  if (old_key.thumbprint != a.jwk_thumbprint) {
    co_return core::make_error(ProblemType::Unauthorized,
                               "keyChange \"oldKey\" is not the account's current key");
  }
  if (auto st = policy::check_key(new_key.key.get(), policy::KeyUse::Account); !st)
    co_return std::move(st).error();
  auto is_cert_key =
      co_await s_.db.run([&] { return s_.store.is_certificate_key(new_key.spki_sha256); });
  if (!is_cert_key) co_return std::move(is_cert_key).error();
  if (*is_cert_key)
    co_return core::make_error(ProblemType::BadPublicKey,
                               "The new key is certified in a certificate");
  storage::AccountKey k{new_key.canonical_json, new_key.thumbprint, new_key.spki_sha256};
  auto changed =
      co_await s_.db.run([&] { return s_.store.change_account_key(a.id, a.jwk_thumbprint, k); });
  if (!changed) co_return std::move(changed).error();
  if (!*changed)
    co_return core::make_error(ProblemType::Unauthorized,
                               "The account changed while its key was being rolled over");
  log_info("account key changed: " + a.id.value);
  auto fresh = co_await s_.db.run([&] { return s_.store.account_by_id(a.id); });
  if (!fresh) co_return std::move(fresh).error();
  co_return std::move(**fresh);
}

asio::awaitable<storage::Order> Authority::settle(const storage::Order& stored) {
  storage::Order o = stored;
  const auto now = s_.clock.now();
  const auto status = effective_order_status(o, now);
  if (status != o.status) {
    const auto from = o.status;
    auto r = co_await s_.db.run([&] { return s_.store.set_order_status(o.id, from, status); });
    if (!r) log_error("persisting order status: " + r.error().detail);
    o.status = status;
  }
  co_return o;
}

Authority::Async<storage::Order> Authority::new_order(const storage::Account& a,
                                                      const json::NewOrderPayload& p) {
  auto ids = s_.identifiers.check_order(p.identifiers);
  if (!ids) co_return std::move(ids).error();
  const auto now = s_.clock.now();
  if (p.not_before || p.not_after) {
    auto v = policy::resolve_validity(config_.profile, p.not_before, p.not_after, now);
    if (!v) co_return std::move(v).error();
  }
  storage::NewOrder no;
  no.account_id = a.id;
  no.created_at = now;
  no.expires = now + config_.order_lifetime;
  no.identifiers = *ids;
  no.not_before = p.not_before;
  no.not_after = p.not_after;
  for (const auto& id : *ids) {
    const core::Identifier base{id.type, id.base_name()};
    const bool wildcard = id.is_wildcard();
    if (config_.reuse_valid_authorizations) {
      // Reuse one that stays valid for at least as long as a new order lives.
      auto valid = co_await s_.db.run([&] {
        return s_.store.valid_authzs(a.id, base, wildcard, now + config_.order_lifetime);
      });
      if (!valid) co_return std::move(valid).error();
      if (!valid->empty()) {
        no.reuse.push_back(valid->front().id);
        continue;
      }
    }
    no.create.push_back(
        {base, wildcard, now + config_.pending_authz_lifetime, s_.identifiers.challenge_types(id)});
    no.expires = std::min(no.expires, now + config_.pending_authz_lifetime);
  }
  auto o = co_await s_.db.run([&] { return s_.store.create_order(no); });
  if (!o) co_return std::move(o).error();
  co_return co_await settle(std::move(o).value());
}

Authority::Async<storage::Order> Authority::order(const storage::Account& a,
                                                  const core::OrderId& id) {
  auto o = co_await s_.db.run([&] { return s_.store.order_by_id(id); });
  if (!o) co_return std::move(o).error();
  if (!o->has_value() || (*o)->account_id != a.id) co_return not_found("Order");
  co_return co_await settle(std::move(**o));
}

Authority::Async<OrdersPage> Authority::orders(const storage::Account& a, std::size_t page) {
  const std::size_t size = config_.orders_page_size;
  auto ids =
      co_await s_.db.run([&] { return s_.store.orders_by_account(a.id, page * size, size + 1); });
  if (!ids) co_return std::move(ids).error();
  OrdersPage out;
  out.more = ids->size() > size;
  out.orders = std::move(ids).value();
  if (out.more) out.orders.resize(size);
  co_return out;
}

Authority::Async<storage::Authorization> Authority::authorization(const storage::Account& a,
                                                                  const core::AuthzId& id) {
  auto z = co_await s_.db.run([&] { return s_.store.authz_by_id(id); });
  if (!z) co_return std::move(z).error();
  if (!z->has_value() || (*z)->account_id != a.id) co_return not_found("Authorization");
  storage::Authorization authz = std::move(**z);
  authz.status = effective_authz_status(authz.status, authz.expires, s_.clock.now());
  co_return authz;
}

Authority::Async<storage::Authorization> Authority::deactivate_authorization(
    const storage::Account& a, const core::AuthzId& id) {
  auto z = co_await authorization(a, id);
  if (!z) co_return z;
  if (z->status != core::AuthzStatus::Pending && z->status != core::AuthzStatus::Valid) {
    co_return core::make_error(
        ProblemType::Malformed,
        "An authorization that is " + std::string(to_string(z->status)) + " cannot be deactivated");
  }
  auto r = co_await s_.db.run([&] { return s_.store.deactivate_authz(id); });
  if (!r) co_return std::move(r).error();
  co_return co_await authorization(a, id);
}

Authority::Async<storage::Challenge> Authority::challenge(const storage::Account& a,
                                                          const core::AuthzId& authz_id,
                                                          const core::ChallengeId& id) {
  auto z = co_await authorization(a, authz_id);
  if (!z) co_return std::move(z).error();
  for (const auto& c : z->challenges) {
    if (c.id == id) co_return c;
  }
  co_return not_found("Challenge");
}

Authority::Async<storage::Challenge> Authority::respond_to_challenge(const storage::Account& a,
                                                                     const core::AuthzId& authz_id,
                                                                     const core::ChallengeId& id) {
  auto z = co_await authorization(a, authz_id);
  if (!z) co_return std::move(z).error();
  auto it = std::find_if(z->challenges.begin(), z->challenges.end(),
                         [&](const storage::Challenge& c) { return c.id == id; });
  if (it == z->challenges.end()) co_return not_found("Challenge");
  storage::Challenge ch = *it;
  if (z->status == core::AuthzStatus::Expired) {
    co_return core::make_error(ProblemType::Malformed, "The authorization has expired");
  }
  // RFC 8555 §7.5.1: a challenge already under way or finished is returned as it is.
  if (!can_start_challenge(z->status, ch.status)) co_return ch;

  auto ticket = s_.va.admit();
  if (!ticket) {
    core::Error busy = core::make_error(ProblemType::RateLimited,
                                        "Too many validations are in progress; retry shortly");
    busy.retry_after = std::chrono::seconds(5);
    co_return busy;
  }
  auto started = co_await s_.db.run([&] { return s_.store.start_challenge(authz_id, id); });
  if (!started) co_return std::move(started).error();
  if (!*started) {
    // Another request started a challenge of this authorization first.
    co_return co_await challenge(a, authz_id, id);
  }
  std::string key_authorization = jose::key_authorization(ch.token, a.jwk_thumbprint);
  asio::co_spawn(s_.va.executor(),
                 validate_and_record(std::move(*ticket), *z, ch, std::move(key_authorization)),
                 asio::detached);
  ch.status = core::ChallengeStatus::Processing;
  co_return ch;
}

asio::awaitable<void> Authority::validate_and_record([[maybe_unused]] validation::Ticket ticket,
                                                     storage::Authorization authz,
                                                     storage::Challenge challenge,
                                                     std::string key_authorization) {
  try {
    const validation::ValidationRequest req{
        authz.identifier,      challenge.type,
        challenge.token,       std::move(key_authorization),
        authz.wildcard,        s_.urls.account(authz.account_id),
        config_.caa_identities};
    // The ticket stays held in this frame until the outcome is recorded.
    auto outcome = co_await s_.va.validate(req);
    const auto now = s_.clock.now();
    storage::ChallengeOutcome result{
        challenge.id,    authz.id,        outcome.ok(), now,
        outcome.problem, outcome.records, std::nullopt, outcome.perspectives};
    if (outcome.ok()) result.authz_expires = now + config_.valid_authz_lifetime;
    auto r = co_await s_.db.run([&] { return s_.store.complete_challenge(result); });
    if (!r) {
      log_error("recording validation of " + authz.id.value + ": " + r.error().detail);
    } else {
      if (outcome.late) record_late_answers(*outcome.late, challenge.id);
      log_info("validation " + std::string(to_string(challenge.type)) + " " +
               authz.identifier.value + ": " +
               (outcome.ok() ? "valid" : "invalid (" + outcome.problem->detail + ")"));
    }
  } catch (const std::exception& e) {
    log_error(std::string("validation task failed: ") + e.what());
  }
}

void Authority::record_late_answers(validation::LateAnswers& late, const core::ChallengeId& id) {
  // Runs on the validation executor, as LateAnswers requires; each answer is stored
  // off it.
  late.deliver_to([this, id](const core::PerspectiveResult& result) {
    asio::co_spawn(
        s_.va.executor(),
        [this, id, result]() -> asio::awaitable<void> {
          auto r = co_await s_.db.run([&] { return s_.store.record_late_perspective(id, result); });
          if (!r)
            log_error("recording a late answer from " + result.perspective + ": " +
                      r.error().detail);
        },
        asio::detached);
  });
}

asio::awaitable<core::Error> Authority::fail_order(const core::OrderId& id, const core::Error& e) {
  core::Error stored = e;
  if (stored.type == ProblemType::ServerInternal) {
    log_error("order " + id.value + " failed: " + e.detail);
    stored.detail = "An internal error occurred while issuing the certificate";
  }
  auto r = co_await s_.db.run([&] { return s_.store.fail_order(id, stored); });
  if (!r) log_error("recording failed order " + id.value + ": " + r.error().detail);
  co_return stored;
}

Authority::Async<storage::Order> Authority::finalize(const storage::Account& a,
                                                     const core::OrderId& id,
                                                     const std::string& csr_der) {
  auto o = co_await order(a, id);
  if (!o) co_return o;
  if (o->status != core::OrderStatus::Ready) {
    co_return core::make_error(ProblemType::OrderNotReady,
                               "The order is " + std::string(to_string(o->status)) + ", not ready");
  }
  // Checks that leave the order as it is when they fail.
  auto csr = co_await s_.cpu.run([&] { return policy::parse_csr(csr_der); });
  if (!csr) co_return std::move(csr).error();
  if (auto st = policy::check_csr_against_order(*csr, o->identifiers); !st)
    co_return std::move(st).error();
  const std::string spki = core::ossl::sha256(core::ossl::spki_der(csr->public_key.get()));
  auto is_account_key = co_await s_.db.run([&] { return s_.store.is_account_key(spki); });
  if (!is_account_key) co_return std::move(is_account_key).error();
  if (*is_account_key) {
    co_return core::make_error(
        ProblemType::BadCsr,
        "The CSR's key is an account key; use a separate key for the certificate");
  }
  const auto now = s_.clock.now();
  auto validity = policy::resolve_validity(config_.profile, o->not_before, o->not_after, now);
  if (!validity) co_return std::move(validity).error();

  if (auto st = co_await recheck_stale_caa(a, *o); !st) co_return std::move(st).error();

  auto moved = co_await s_.db.run([&] {
    return s_.store.set_order_status(id, core::OrderStatus::Ready, core::OrderStatus::Processing);
  });
  if (!moved) co_return std::move(moved).error();
  if (!*moved)
    co_return core::make_error(ProblemType::OrderNotReady, "The order is already being finalized");

  // From here on every failure ends the order invalid, through fail_order.
  std::string serial;
  for (int attempt = 0; attempt < 3 && serial.empty(); ++attempt) {
    std::string candidate = ca::CertificateAuthority::random_serial();
    auto reserved = co_await s_.db.run([&] { return s_.store.reserve_serial(candidate, id, now); });
    if (!reserved) co_return co_await fail_order(id, std::move(reserved).error());
    if (*reserved) serial = std::move(candidate);
  }
  if (serial.empty()) {
    const auto e = core::internal_error("no unused serial number found");
    co_return co_await fail_order(id, e);
  }

  ca::LeafRequest req{csr->public_key, o->identifiers, *validity, serial};
  auto issued = co_await s_.cpu.run([&] { return s_.ca.issue_leaf(req); });
  if (!issued) co_return co_await fail_order(id, std::move(issued).error());

  storage::Certificate cert;
  cert.serial = serial;
  cert.account_id = a.id;
  cert.order_id = id;
  cert.der = issued->der;
  cert.chain_pem = issued->chain_pem;
  cert.key_spki_sha256 = spki;
  cert.identifiers = o->identifiers;
  cert.not_before = issued->not_before;
  cert.not_after = issued->not_after;
  cert.issued_at = now;
  auto done = co_await s_.db.run([&] { return s_.store.complete_order(id, cert); });
  if (!done) co_return co_await fail_order(id, std::move(done).error());
  if (!*done) {
    const auto e = core::internal_error("order left processing during issuance");
    co_return co_await fail_order(id, e);
  }
  log_info("certificate issued: serial " + serial + " for order " + id.value);
  co_return co_await order(a, id);
}

asio::awaitable<core::Status> Authority::recheck_stale_caa(const storage::Account& a,
                                                           const storage::Order& o) {
  const auto now = s_.clock.now();
  const std::string account_uri = s_.urls.account(a.id);
  for (const auto& ref : o.authorizations) {
    auto z = co_await s_.db.run([&] { return s_.store.authz_by_id(ref.id); });
    if (!z) co_return std::move(z).error();
    if (!z->has_value()) co_return core::internal_error("order refers to a missing authorization");
    const storage::Authorization& authz = **z;
    for (const auto& ch : authz.challenges) {
      if (ch.status != core::ChallengeStatus::Valid) continue;
      if (ch.validated_at && now - *ch.validated_at <= config_.caa_recheck_age) break;
      validation::ValidationRequest req{
          authz.identifier,      ch.type, ch.token, "", authz.wildcard, account_uri,
          config_.caa_identities};
      req.caa_only = true;
      // Run on the validation executor, where the resolver lives.
      auto executor = s_.va.executor();
      auto recheck = s_.va.validate(req);
      auto outcome = co_await asio::co_spawn(executor, std::move(recheck), asio::use_awaitable);
      if (!outcome.ok()) co_return std::move(*outcome.problem);
      break;
    }
  }
  co_return core::Status{};
}

Authority::Async<storage::Certificate> Authority::certificate(const std::string& serial) {
  auto c = co_await s_.db.run([&] { return s_.store.certificate_by_serial(serial); });
  if (!c) co_return std::move(c).error();
  if (!c->has_value()) co_return not_found("Certificate");
  co_return std::move(**c);
}

asio::awaitable<core::Status> Authority::revoke(const RevocationRequester& who,
                                                const json::RevokePayload& p) {
  auto serial = ca::certificate_serial(p.certificate_der);
  if (!serial) co_return std::move(serial).error();
  auto cert = co_await certificate(*serial);
  if (!cert || cert->der != p.certificate_der) co_return not_found("Certificate");
  const int reason = p.reason.value_or(0);
  if (std::find(std::begin(kAllowedReasons), std::end(kAllowedReasons), reason) ==
      std::end(kAllowedReasons)) {
    co_return core::make_error(ProblemType::BadRevocationReason,
                               "Revocation reason " + std::to_string(reason) +
                                   " is not allowed; use 0, 1, 3, 4 or 5 (RFC 5280 §5.3.1)");
  }
  // RFC 8555 §7.6: the issuing account, an account authorized for every name, or
  // the holder of the certificate's key.
  bool allowed = false;
  if (who.certificate_key) {
    allowed = who.certificate_key->spki_sha256 == cert->key_spki_sha256;
  } else if (who.account) {
    allowed = who.account->id == cert->account_id;
    if (!allowed) {
      allowed = true;
      const auto now = s_.clock.now();
      for (const auto& id : cert->identifiers) {
        const core::Identifier base{id.type, id.base_name()};
        auto valid = co_await s_.db.run(
            [&] { return s_.store.valid_authzs(who.account->id, base, id.is_wildcard(), now); });
        if (!valid) co_return std::move(valid).error();
        if (valid->empty()) {
          allowed = false;
          break;
        }
      }
    }
  }
  if (!allowed) {
    co_return core::make_error(ProblemType::Unauthorized,
                               "The requester is not authorized to revoke this certificate");
  }
  if (cert->revoked_at)
    co_return core::make_error(ProblemType::AlreadyRevoked, "The certificate is already revoked");
  auto r = co_await s_.db.run(
      [&] { return s_.store.revoke_certificate(*serial, reason, s_.clock.now()); });
  if (!r) co_return std::move(r).error();
  if (!*r)
    co_return core::make_error(ProblemType::AlreadyRevoked, "The certificate is already revoked");
  log_info("certificate revoked: serial " + *serial + " reason " + std::to_string(reason));
  co_return core::Status{};
}

}  // namespace signet::server
