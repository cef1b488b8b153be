// External account keys (RFC 8555 §7.3.4) and their state checks.
#include "authority/external_accounts.hpp"

#include <openssl/rand.h>

#include <algorithm>

#include "authority/audit.hpp"
#include "core/ascii.hpp"
#include "policy/external_account.hpp"

namespace signet::authority {

using core::ProblemType;

namespace {

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) return {};
  return out;
}

bool valid_kid(const std::string& kid) {
  // RFC 8555 §7.3.4: an ASCII string. Kept to characters that need no quoting on a
  // command line or in a URL, and not starting like an option.
  return !kid.empty() && kid.size() <= 64 && kid.front() != '-' &&
         std::all_of(kid.begin(), kid.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
         });
}

core::Error not_found(const std::string& kid) {
  return core::make_error(ProblemType::NotFound, "No external account key " + kid);
}

}  // namespace

ExternalAccounts::Async<core::EabKey> ExternalAccounts::create(NewEabKey n) {
  core::EabKey k;
  k.kid = n.kid ? *n.kid : core::hex_lower(random_bytes(12));
  if (!valid_kid(k.kid)) {
    co_return core::make_error(
        ProblemType::Malformed,
        "key id \"" + k.kid +
            "\" must be 1-64 letters, digits, '.', '_' or '-', not starting with '-'");
  }
  if (auto st = policy::normalize_key_domains("allowed domains", n.allowed_domains); !st)
    co_return std::move(st).error();
  if (auto st = policy::normalize_key_domains("prevalidated domains", n.prevalidated_domains); !st)
    co_return std::move(st).error();
  if (!n.allowed_domains.empty()) {
    // A prevalidated name is still checked against the allowed ones: one outside them
    // would be prevalidated for nothing.
    for (const auto& d : n.prevalidated_domains) {
      if (!policy::covered_by(n.allowed_domains, {core::IdentifierType::Dns, d})) {
        co_return core::make_error(ProblemType::Malformed,
                                   "prevalidated domain " + d + " is not under an allowed domain");
      }
    }
  }
  if (n.max_validity && n.max_validity->count() <= 0) {
    co_return core::make_error(ProblemType::Malformed, "the maximum validity must be positive");
  }
  for (const auto& p : n.profiles) {
    if (p.empty()) co_return core::make_error(ProblemType::Malformed, "empty profile name");
  }
  k.hmac_key = random_bytes(32);
  if (k.hmac_key.empty()) co_return core::internal_error("no random bytes for the HMAC key");
  k.note = std::move(n.note);
  k.allowed_domains = std::move(n.allowed_domains);
  k.prevalidated_domains = std::move(n.prevalidated_domains);
  k.profiles = std::move(n.profiles);
  k.max_validity = n.max_validity;
  k.reusable = n.reusable;
  k.created_at = clock_.now();
  auto created = co_await store_.create_eab_key(
      k, audit::eab_key_created(k.created_at, k, audit::operator_actor()));
  if (!created) co_return std::move(created).error();
  if (!*created) {
    co_return core::make_error(ProblemType::Conflict,
                               "an external account key " + k.kid + " exists already");
  }
  co_return k;
}

ExternalAccounts::Async<std::vector<core::EabKey>> ExternalAccounts::list() {
  co_return co_await store_.eab_keys();
}

ExternalAccounts::Async<core::EabKey> ExternalAccounts::show(const std::string& kid) {
  auto k = co_await store_.eab_key(kid);
  if (!k) co_return std::move(k).error();
  if (!k->has_value()) co_return not_found(kid);
  co_return std::move(**k);
}

ExternalAccounts::Async<std::vector<core::AccountId>> ExternalAccounts::accounts(
    const std::string& kid) {
  co_return co_await store_.accounts_bound_to(kid);
}

ExternalAccounts::Async<core::EabKey> ExternalAccounts::revoke(const std::string& kid) {
  const auto now = clock_.now();
  auto revoked = co_await store_.revoke_eab_key(
      kid, now, audit::eab_key_revoked(now, kid, audit::operator_actor()));
  if (!revoked) co_return std::move(revoked).error();
  auto k = co_await show(kid);
  if (!k) co_return k;
  if (!*revoked) {
    co_return core::make_error(ProblemType::Malformed,
                               "the external account key " + kid + " was revoked already");
  }
  co_return k;
}

ExternalAccounts::Async<core::EabKey> ExternalAccounts::for_binding(const std::string& kid) {
  auto k = co_await store_.eab_key(kid);
  if (!k) co_return std::move(k).error();
  // RFC 8555 §7.3.4 says only that the request is rejected; `unauthorized` says the
  // binding does not authorize this account.
  if (!k->has_value()) {
    co_return core::make_error(ProblemType::Unauthorized,
                               "externalAccountBinding: unknown key id \"" + kid + "\"");
  }
  if ((*k)->revoked_at) {
    co_return core::make_error(ProblemType::Unauthorized,
                               "externalAccountBinding: the key " + kid + " has been revoked");
  }
  if (!(*k)->reusable && (*k)->accounts > 0) {
    co_return core::make_error(ProblemType::Unauthorized,
                               "externalAccountBinding: the key " + kid +
                                   " is for one account and is bound to one already");
  }
  co_return std::move(**k);
}

ExternalAccounts::Async<core::EabKey> ExternalAccounts::of_account(const core::Account& a) {
  const std::string& kid = a.eab_kid.value();
  auto k = co_await store_.eab_key(kid);
  if (!k) co_return std::move(k).error();
  if (!k->has_value()) {
    co_return core::internal_error("account " + a.id.value + " is bound to a missing key " + kid);
  }
  if ((*k)->revoked_at) {
    co_return core::make_error(ProblemType::Unauthorized, "The external account key " + kid +
                                                              " bound to this account was revoked");
  }
  co_return std::move(**k);
}

}  // namespace signet::authority
