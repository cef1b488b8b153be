#pragma once
// Request payloads of the ACME resources (RFC 8555 §7), decoded strictly: wrong
// types and malformed values are `malformed` problems naming the field.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "authority/requests.hpp"
#include "core/clock.hpp"
#include "core/identifier.hpp"
#include "core/result.hpp"
#include "server/jose/jwk.hpp"

namespace signet::server::json {

// Payloads the authority takes as they are.
using AccountUpdatePayload = authority::AccountUpdate;
using NewOrderPayload = authority::NewOrderRequest;
using RevokePayload = authority::RevocationRequest;

struct NewAccountPayload {
  authority::NewAccountRequest request;
  // "externalAccountBinding" (RFC 8555 §7.3.4) as sent: a flattened JWS as JSON text,
  // for jose::parse_binding.
  std::optional<std::string> external_account_binding;
};

struct FinalizePayload {
  std::string csr_der;
};

struct KeyChangePayload {
  std::string account;
  jose::Jwk old_key;
};

// RFC 8555 §7.4.1.
struct NewAuthzPayload {
  core::Identifier identifier;
};

struct AuthzUpdatePayload {
  bool deactivate = false;
};

core::Result<NewAccountPayload> decode_new_account(std::string_view payload);
core::Result<AccountUpdatePayload> decode_account_update(std::string_view payload);
core::Result<NewOrderPayload> decode_new_order(std::string_view payload);
core::Result<FinalizePayload> decode_finalize(std::string_view payload);
core::Result<RevokePayload> decode_revoke(std::string_view payload);
core::Result<KeyChangePayload> decode_key_change(std::string_view payload);
core::Result<AuthzUpdatePayload> decode_authz_update(std::string_view payload);
core::Result<NewAuthzPayload> decode_new_authz(std::string_view payload);
// A challenge response must be an empty JSON object (RFC 8555 §7.5.1).
core::Status decode_challenge_response(std::string_view payload);

// RFC 3339 date-time, with "Z" or a numeric offset; seconds resolution.
std::optional<core::TimePoint> parse_rfc3339(std::string_view s);

}  // namespace signet::server::json
