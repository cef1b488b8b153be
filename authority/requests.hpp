#pragma once
// What the authority is asked and answers, as domain values: the ACME front end
// decodes requests into these, and the command line builds them directly.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/identifier.hpp"
#include "core/records.hpp"
#include "core/result.hpp"

namespace signet::authority {

// RFC 8555 §7.3.4: an externalAccountBinding, checked by the front end as far as it
// can be without the key (its form, its url, its payload the account key).
struct ExternalAccountBinding {
  std::string kid;
  // Verifies the binding's MAC with the key's HMAC key, in constant time.
  std::function<core::Status(const std::string& hmac_key)> verify_mac;
};

struct NewAccountRequest {
  std::optional<std::vector<std::string>> contact{};
  bool terms_of_service_agreed = false;
  bool only_return_existing = false;
  // Where the request came from (new_accounts_per_ip); empty when not over a network.
  std::string client_ip{};
  std::optional<ExternalAccountBinding> external_account_binding{};
};

struct AccountUpdate {
  std::optional<std::vector<std::string>> contact;
  bool deactivate = false;
};

struct NewOrderRequest {
  std::vector<core::Identifier> identifiers;
  std::optional<core::TimePoint> not_before;
  std::optional<core::TimePoint> not_after;
  // draft-ietf-acme-profiles: a profile the directory offers; unset: the default one.
  std::optional<std::string> profile;
  std::optional<std::string> replaces;  // RFC 9773 §5: a certID
};

struct RevocationRequest {
  std::string certificate_der;
  std::optional<int> reason;
};

// Who asks to revoke: an account (kid), or the holder of the certificate's key (jwk).
struct RevocationRequester {
  std::optional<core::Account> account;
  std::optional<core::PublicKey> certificate_key;
};

struct AccountResult {
  core::Account account;
  bool created = false;
};

struct OrdersPage {
  std::vector<core::OrderId> orders;
  bool more = false;
};

}  // namespace signet::authority
