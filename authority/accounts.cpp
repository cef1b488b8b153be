// Accounts: creation, lookup, contact updates, deactivation, key rollover (RFC 8555 §7.3).
#include "authority/audit.hpp"
#include "authority/authority.hpp"
#include "core/log.hpp"
#include "policy/contact.hpp"
#include "policy/key_policy.hpp"

namespace signet::authority {

using core::ProblemType;

Authority::Authority(Services services, Config config, RulesPtr rules)
    : s_(services), config_(std::move(config)), eab_(s_.store, s_.clock) {
  set_rules(std::move(rules));
}

Authority::Async<core::Account> Authority::account_for_kid(const core::AccountId& id) {
  const auto now = s_.clock.now();
  std::optional<core::Account> a = accounts_.get(id, now);
  if (!a) {
    const auto generation = accounts_.generation();
    auto stored = co_await s_.store.account_by_id(id);
    if (!stored) co_return std::move(stored).error();
    if (!stored->has_value()) {
      co_return core::make_error(ProblemType::AccountDoesNotExist, "No account exists at that URL");
    }
    a = std::move(*stored);
    accounts_.put(*a, generation, now);
  }
  if (a->status != core::AccountStatus::Valid) {
    co_return core::make_error(ProblemType::DeactivatedAccount,
                               "The account is " + std::string(to_string(a->status)));
  }
  co_return std::move(*a);
}

Authority::Async<std::optional<core::Account>> Authority::account_by_key(
    const std::string& thumbprint) {
  co_return co_await s_.store.account_by_thumbprint(thumbprint);
}

Authority::Async<AccountResult> Authority::new_account(const core::PublicKey& key,
                                                       const NewAccountRequest& r) {
  const RulesPtr rules = this->rules();
  if (auto st = rules->keys.check(key.key.get(), policy::KeyUse::Account); !st)
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
  if (r.only_return_existing) {
    co_return core::make_error(ProblemType::AccountDoesNotExist, "No account exists with this key");
  }
  // RFC 8555 §7.3.4: a binding sent is verified, required or not.
  std::optional<std::string> eab_kid;
  if (const auto& binding = r.external_account_binding) {
    auto eab_key = co_await eab_.for_binding(binding->kid);
    if (!eab_key) co_return std::move(eab_key).error();
    if (auto st = binding->verify_mac(eab_key->hmac_key); !st) co_return std::move(st).error();
    eab_kid = eab_key->kid;
  } else if (rules->external_account_required) {
    co_return core::make_error(
        ProblemType::ExternalAccountRequired,
        "This server creates accounts only with an external account binding "
        "(\"externalAccountBinding\", RFC 8555 §7.3.4); ask its operator for a key id and "
        "HMAC key");
  }
  if (rules->terms_of_service_required && !r.terms_of_service_agreed) {
    co_return core::make_error(
        ProblemType::Malformed,
        "You must agree to the terms of service (termsOfServiceAgreed: true)");
  }
  const auto contact = r.contact.value_or(std::vector<std::string>{});
  if (auto st = policy::check_contacts(contact); !st) co_return std::move(st).error();
  auto is_cert_key = co_await s_.store.is_certificate_key(key.spki_sha256);
  if (!is_cert_key) co_return std::move(is_cert_key).error();
  if (*is_cert_key) {
    co_return core::make_error(
        ProblemType::BadPublicKey,
        "This key is certified in a certificate; use another key for the account");
  }
  if (!r.client_ip.empty()) {
    LimitCharges c;
    c.add("new_accounts_per_ip", "the address " + r.client_ip, "new_accounts:" + r.client_ip,
          rules->limits.new_accounts_per_ip, 1);
    if (auto st = co_await charge(c); !st) co_return std::move(st).error();
  }
  const core::NewAccount na{key.canonical_json,        key.thumbprint, key.spki_sha256, contact,
                            r.terms_of_service_agreed, s_.clock.now(), eab_kid};
  auto created = co_await s_.store.create_account(
      na, audit::account_created(na.created_at, na, audit::client(r.client_ip)));
  if (!created && created.error().type == ProblemType::Conflict) {
    // Created concurrently by another request with the same key: return that one.
    auto again = co_await account_by_key(key.thumbprint);
    if (again && again->has_value()) co_return AccountResult{std::move(**again), false};
  }
  if (!created) co_return std::move(created).error();
  metrics_.accounts_created.inc();
  core::log_info("account created: " + created->id.value +
                 (eab_kid ? ", bound to external account key " + *eab_kid : ""));
  co_return AccountResult{std::move(created).value(), true};
}

Authority::Async<core::Account> Authority::update_account(const core::Account& a,
                                                          const AccountUpdate& u) {
  if (u.contact) {
    if (auto st = policy::check_contacts(*u.contact); !st) co_return std::move(st).error();
    auto r = co_await s_.store.update_account_contact(a.id, *u.contact);
    accounts_.erase(a.id);
    if (!r) co_return std::move(r).error();
  }
  if (u.deactivate) {
    auto r = co_await inventory_.deactivate_account(a.id, audit::account(a.id));
    accounts_.erase(a.id);
    if (!r) co_return std::move(r).error();
  }
  auto fresh = co_await s_.store.account_by_id(a.id);
  if (!fresh) co_return std::move(fresh).error();
  if (!fresh->has_value()) co_return core::make_error(ProblemType::NotFound, "Account not found");
  co_return std::move(**fresh);
}

Authority::Async<core::Account> Authority::change_key(const core::Account& a,
                                                      const core::PublicKey& old_key,
                                                      const core::PublicKey& new_key) {
  // RFC 8555 §7.3.5 step 6: oldKey is the account's current key.
  if (old_key.thumbprint != a.jwk_thumbprint) {
    co_return core::make_error(ProblemType::Unauthorized,
                               "keyChange \"oldKey\" is not the account's current key");
  }
  if (auto st = rules()->keys.check(new_key.key.get(), policy::KeyUse::Account); !st)
    co_return std::move(st).error();
  auto is_cert_key = co_await s_.store.is_certificate_key(new_key.spki_sha256);
  if (!is_cert_key) co_return std::move(is_cert_key).error();
  if (*is_cert_key)
    co_return core::make_error(ProblemType::BadPublicKey,
                               "The new key is certified in a certificate");
  const core::AccountKey k{new_key.canonical_json, new_key.thumbprint, new_key.spki_sha256};
  auto changed = co_await s_.store.change_account_key(
      a.id, a.jwk_thumbprint, k,
      audit::account_key_changed(s_.clock.now(), a.id, a.jwk_thumbprint, k.jwk_thumbprint));
  accounts_.erase(a.id);
  if (!changed) co_return std::move(changed).error();
  if (!*changed)
    co_return core::make_error(ProblemType::Unauthorized,
                               "The account changed while its key was being rolled over");
  core::log_info("account key changed: " + a.id.value);
  auto fresh = co_await s_.store.account_by_id(a.id);
  if (!fresh) co_return std::move(fresh).error();
  co_return std::move(**fresh);
}

}  // namespace signet::authority
