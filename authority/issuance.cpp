// Finalization and certificates (RFC 8555 §7.4, §7.4.2): the CSR checked against the
// order, CAA rechecked when stale, the order moved to processing with its serial
// reserved, the certificate signed on the CPU pool and stored with the order's
// completion. After "processing", every failure ends the order through fail_order.
#include "authority/audit.hpp"
#include "authority/authority.hpp"
#include "core/fault.hpp"
#include "core/log.hpp"
#include "core/openssl.hpp"
#include "policy/csr.hpp"
#include "policy/external_account.hpp"

namespace signet::authority {

using core::ProblemType;

asio::awaitable<core::Error> Authority::fail_order(const core::OrderId& id, const core::Error& e) {
  core::Error stored = e;
  if (stored.type == ProblemType::ServerInternal) {
    core::log_error("order " + id.value + " failed: " + e.detail);
    stored.detail = "An internal error occurred while issuing the certificate";
  }
  auto r = co_await s_.store.fail_order(id, stored);
  if (!r) core::log_error("recording failed order " + id.value + ": " + r.error().detail);
  if (r && *r) metrics_.order("invalid");
  co_return stored;
}

Authority::Async<core::Order> Authority::finalize(const core::Account& a, const core::OrderId& id,
                                                  const std::string& csr_der) {
  auto o = co_await order(a, id);
  if (!o) co_return o;
  if (o->status != core::OrderStatus::Ready) {
    co_return core::make_error(ProblemType::OrderNotReady,
                               "The order is " + std::string(to_string(o->status)) + ", not ready");
  }
  // Checks that leave the order as it is when they fail. The names are checked again:
  // the policy may have changed since the order was made.
  const RulesPtr rules = this->rules();
  if (auto ids = rules->identifiers.check_order(o->identifiers); !ids)
    co_return std::move(ids).error();
  // The profile too: it may have been withdrawn or changed (draft-ietf-acme-profiles:
  // `invalidProfile` when the CA no longer issues under it).
  auto profile = offered_profile(*rules, a, o->profile);
  if (!profile) co_return std::move(profile).error();
  const ProfileRules& prof = **profile;
  if (auto st = policy::check_profile_identifiers(prof.policy, o->identifiers); !st)
    co_return std::move(st).error();
  std::optional<core::EabKey> key;
  if (a.eab_kid) {
    auto k = co_await account_key(a, o->identifiers, prof.policy.name);
    if (!k) co_return std::move(k).error();
    key = std::move(k).value();
  }
  const auto now = s_.clock.now();
  auto validity = policy::resolve_validity(prof.policy, o->not_before, o->not_after, now);
  if (!validity) co_return std::move(validity).error();
  if (key) *validity = policy::cap_key_validity(*key, *validity);
  // One trip to the CPU pool: the CSR parsed and checked against the order and profile.
  ca::LeafRequest req{nullptr, o->identifiers, *validity, ""};
  auto csr = co_await s_.cpu.run([&]() -> core::Result<policy::ParsedCsr> {
    auto parsed = policy::parse_csr(csr_der, rules->keys);
    if (!parsed) return parsed;
    if (auto st = policy::check_csr_against_order(*parsed, o->identifiers); !st)
      return std::move(st).error();
    if (auto st = policy::check_profile_key(prof.policy, parsed->public_key.get()); !st)
      return std::move(st).error();
    req.public_key = parsed->public_key;
    req.spki = parsed->spki;
    return parsed;
  });
  if (!csr) co_return std::move(csr).error();
  auto is_account_key = co_await s_.store.is_account_key(csr->spki_sha256);
  if (!is_account_key) co_return std::move(is_account_key).error();
  if (*is_account_key) {
    co_return core::make_error(
        ProblemType::BadCsr,
        "The CSR's key is an account key; use a separate key for the certificate");
  }
  if (auto st = co_await recheck_stale_caa(a, *o, *rules); !st) co_return std::move(st).error();
  {
    LimitCharges c;
    const Limits& limits = rules->limits_for(a.id);
    if (auto st = co_await add_certificate_charges(c, limits, o->identifiers, 1); !st)
      co_return std::move(st).error();
    if (auto st = co_await charge(c); !st) co_return std::move(st).error();
  }

  // ready → processing, with the certificate recorded (a serial never used before, its
  // names, key and dates) before it is signed. Building it is cheap (no signature), so
  // it runs here; signing goes to the CPU pool.
  const std::string spki_der = core::ossl::spki_der(csr->spki.get());
  std::optional<ca::TbsCertificate> tbs;
  for (int attempt = 0; attempt < 3 && !tbs; ++attempt) {
    req.serial = ca::random_serial();
    add_relying_party_urls(req);
    auto built = s_.ca.prepare_leaf(prof.certificate, req);
    if (!built) {
      // The certificate could not be built or the pre-issuance lint refused it: the same
      // order and profile would be refused again, so the order ends invalid (through
      // processing, as every failed issuance does) and the reason is logged.
      auto moved = co_await s_.store.set_order_status(id, core::OrderStatus::Ready,
                                                      core::OrderStatus::Processing);
      if (moved && *moved) co_return co_await fail_order(id, built.error());
      co_return std::move(built).error();
    }
    const auto pending = pending_issuance(a.id, id, *built, spki_der);
    auto started =
        co_await s_.store.start_issuance(pending, now, lease(), audit::order_finalized(now, pending));
    if (!started && started.error().type == ProblemType::Conflict) continue;
    if (!started) co_return std::move(started).error();
    if (!*started)
      co_return core::make_error(ProblemType::OrderNotReady,
                                 "The order is already being finalized");
    tbs = std::move(built).value();
  }
  if (!tbs) co_return core::internal_error("no unused serial number found");

  // From here on every failure ends the order invalid, through fail_order.
  auto stored = co_await sign_and_store(a.id, id, std::move(*tbs), now, audit::account(a.id));
  if (!stored) co_return std::move(stored).error();
  // The order as complete_order left it (valid, with its certificate): not read back.
  core::Order done = std::move(o).value();
  done.status = core::OrderStatus::Valid;
  done.certificate_serial = stored->serial;
  co_return done;
}

void Authority::add_relying_party_urls(ca::LeafRequest& req) const {
  if (s_.crls != nullptr) req.crl_url = s_.crls->url(s_.crls->shard_of(req.serial));
  if (s_.ocsp != nullptr) req.ocsp_url = s_.ocsp->url();
  req.ca_issuers_url = config_.ca_issuers_url;
}

core::PendingIssuance Authority::pending_issuance(const core::AccountId& account,
                                                  const core::OrderId& order,
                                                  const ca::TbsCertificate& tbs,
                                                  const std::string& spki_der) {
  return {order,          account,      tbs.serial,          tbs.issuer,
          tbs.profile,    spki_der,     tbs.key_spki_sha256, tbs.identifiers,
          tbs.not_before, tbs.not_after};
}

Authority::Async<core::Certificate> Authority::sign_and_store(core::AccountId account,
                                                              core::OrderId id,
                                                              ca::TbsCertificate tbs,
                                                              core::TimePoint now,
                                                              std::string actor) {
  const std::string serial = tbs.serial;
  core::Certificate cert;
  cert.serial = serial;
  cert.account_id = account;
  cert.order_id = id;
  cert.key_spki_sha256 = tbs.key_spki_sha256;
  cert.identifiers = tbs.identifiers;
  cert.profile = tbs.profile;
  cert.issuer_id = issuer_id_;
  if (s_.crls != nullptr) cert.crl_shard = static_cast<int>(s_.crls->shard_of(serial));
  cert.issued_at = now;
  auto issued = co_await s_.cpu.run([&] { return s_.ca.sign_leaf(std::move(tbs)); });
  if (!issued) co_return co_await fail_order(id, std::move(issued).error());
  core::fault_point("after-signing");  // recovery tests: signed, not yet stored
  cert.der = issued->der;
  cert.chain_pem = issued->chain_pem;
  cert.not_before = issued->not_before;
  cert.not_after = issued->not_after;
  auto done =
      co_await s_.store.complete_order(id, cert, audit::certificate_issued(now, cert, actor));
  if (!done) co_return co_await fail_order(id, std::move(done).error());
  if (!*done)
    co_return co_await fail_order(id,
                                  core::internal_error("order left processing during issuance"));
  metrics_.order("valid");
  metrics_.certificates.with({cert.profile}).inc();
  core::log_info("certificate issued: serial " + serial + " for order " + id.value);
  co_return cert;
}

storage::Lease Authority::lease() const {
  return {config_.run, s_.clock.now() + config_.lease};
}

Authority::Async<int> Authority::resume_interrupted_issuances(const storage::Takeover& t) {
  auto pending = co_await s_.store.interrupted_issuances(t, lease().until);
  if (!pending) co_return std::move(pending).error();
  int resumed = 0;
  for (const auto& p : *pending) {
    // The same certificate again: same serial, names, key, dates and issuer.
    const auto* der = reinterpret_cast<const unsigned char*>(p.spki_der.data());
    std::shared_ptr<X509_PUBKEY> spki(
        d2i_X509_PUBKEY(nullptr, &der, static_cast<long>(p.spki_der.size())), X509_PUBKEY_free);
    core::ossl::Pkey key(spki ? X509_PUBKEY_get(spki.get()) : nullptr);  // owned reference
    std::optional<ca::TbsCertificate> tbs;
    // Under the profile it was recorded with, which must still be configured.
    const RulesPtr rules = this->rules();
    const ProfileRules* profile = p.profile.empty() ? nullptr : rules->profile(p.profile);
    if (key && profile != nullptr) {
      ca::LeafRequest req{
          core::ossl::share(std::move(key)), p.identifiers, {p.not_before, p.not_after}, p.serial};
      req.spki = spki;
      add_relying_party_urls(req);
      auto built =
          co_await s_.cpu.run([&] { return s_.ca.prepare_leaf(profile->certificate, req); });
      if (built && built->issuer == p.issuer && built->profile == p.profile &&
          built->key_spki_sha256 == p.key_spki_sha256) {
        tbs = std::move(built).value();
      }
    }
    if (!tbs) {
      core::log_error("certificate " + p.serial + " of order " + p.order_id.value +
                      " was recorded but cannot be signed again (issuer, profile or key "
                      "changed); the order ends invalid and serial " +
                      p.serial + " stays reserved");
      co_await fail_order(p.order_id,
                          core::internal_error("interrupted issuance could not be resumed"));
      continue;
    }
    auto stored = co_await sign_and_store(p.account_id, p.order_id, std::move(*tbs), s_.clock.now(),
                                          std::string(audit::kServer));
    if (stored) {
      ++resumed;
      core::log_warn("certificate " + p.serial + " of order " + p.order_id.value +
                     ", signed when the previous run stopped, signed again and stored");
    }
  }
  co_return resumed;
}

asio::awaitable<core::Status> Authority::recheck_stale_caa(const core::Account& a,
                                                           const core::Order& o,
                                                           const Rules& rules) {
  const auto now = s_.clock.now();
  for (const auto& ref : o.authorizations) {
    // Checked recently enough: nothing to look up.
    if (ref.validated_at && now - *ref.validated_at <= config_.caa_recheck_age) continue;
    auto z = co_await s_.store.authz_by_id(ref.id);
    if (!z) co_return std::move(z).error();
    if (!z->has_value()) co_return core::internal_error("order refers to a missing authorization");
    const core::Authorization& authz = **z;
    if (authz.prevalidated_by) {
      // Prevalidated by an external account key: no challenge checked CAA, so it is
      // checked now, before every certificate (RFC 8659 §3). No ACME method validated
      // the name (out_of_band); the type is only a placeholder.
      validation::ValidationRequest req{
          authz.identifier,  core::ChallengeType::Dns01, "", "", authz.wildcard,
          account_uri(a.id), rules.caa_identities};
      req.caa_only = true;
      req.out_of_band = true;
      auto outcome = co_await s_.va.validate(req);
      if (!outcome.ok()) co_return std::move(*outcome.problem);
      continue;
    }
    for (const auto& ch : authz.challenges) {
      if (ch.status != core::ChallengeStatus::Valid) continue;
      if (ch.validated_at && now - *ch.validated_at <= config_.caa_recheck_age) break;
      validation::ValidationRequest req{
          authz.identifier,    ch.type, ch.token, "", authz.wildcard, account_uri(a.id),
          rules.caa_identities};
      req.caa_only = true;
      auto outcome = co_await s_.va.validate(req);
      if (!outcome.ok()) co_return std::move(*outcome.problem);
      break;
    }
  }
  co_return core::Status{};
}

Authority::Async<core::Certificate> Authority::certificate(const core::Account& a,
                                                           const std::string& serial) {
  auto c = co_await certificate_by_serial(serial);
  if (c && c->account_id != a.id)
    co_return core::make_error(ProblemType::NotFound, "Certificate not found");
  co_return c;
}

Authority::Async<core::Certificate> Authority::certificate_by_serial(const std::string& serial) {
  auto c = co_await s_.store.certificate_by_serial(serial);
  if (!c) co_return std::move(c).error();
  if (!c->has_value()) co_return core::make_error(ProblemType::NotFound, "Certificate not found");
  co_return std::move(**c);
}

}  // namespace signet::authority
