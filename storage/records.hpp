#pragma once
// What Signet stores. Plain values; the Store decides how they are kept.
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/identifier.hpp"
#include "core/ids.hpp"
#include "core/status.hpp"
#include "core/validation_record.hpp"

namespace signet::storage {

struct Account {
  core::AccountId id;
  std::string jwk;             // the public key, canonical JWK JSON
  std::string jwk_thumbprint;  // RFC 7638, base64url
  std::vector<std::string> contact;
  core::AccountStatus status = core::AccountStatus::Valid;
  bool tos_agreed = false;
  core::TimePoint created_at;
};

struct NewAccount {
  std::string jwk;
  std::string jwk_thumbprint;
  std::string key_spki_sha256;  // raw bytes; shared fingerprint space with certificate keys
  std::vector<std::string> contact;
  bool tos_agreed = false;
  core::TimePoint created_at;
};

struct AccountKey {
  std::string jwk;
  std::string jwk_thumbprint;
  std::string key_spki_sha256;
};

using core::ValidationRecord;

struct Challenge {
  core::ChallengeId id;
  core::ChallengeType type = core::ChallengeType::Http01;
  core::ChallengeStatus status = core::ChallengeStatus::Pending;
  std::string token;
  std::optional<core::TimePoint> validated_at;
  std::optional<core::Error> error;
  std::vector<ValidationRecord> records;
  std::vector<core::PerspectiveResult> perspectives;  // empty without remote perspectives
};

struct Authorization {
  core::AuthzId id;
  core::AccountId account_id;
  core::Identifier identifier;  // without "*." for wildcards (RFC 8555 §7.1.4)
  bool wildcard = false;
  core::AuthzStatus status = core::AuthzStatus::Pending;  // as stored; see server/state
  core::TimePoint expires;
  std::vector<Challenge> challenges;
};

struct NewAuthorization {
  core::Identifier identifier;
  bool wildcard = false;
  core::TimePoint expires;
  std::vector<core::ChallengeType> challenge_types;
};

// An order's view of one of its authorizations.
struct AuthzRef {
  core::AuthzId id;
  core::AuthzStatus status;
  core::TimePoint expires;
};

struct Order {
  core::OrderId id;
  core::AccountId account_id;
  core::OrderStatus status = core::OrderStatus::Pending;  // as stored; see server/state
  core::TimePoint expires;
  std::vector<core::Identifier> identifiers;
  std::optional<core::TimePoint> not_before;
  std::optional<core::TimePoint> not_after;
  std::vector<AuthzRef> authorizations;
  std::optional<core::Error> error;
  std::optional<std::string> certificate_serial;
  core::TimePoint created_at;
};

struct NewOrder {
  core::AccountId account_id;
  core::TimePoint expires;
  std::vector<core::Identifier> identifiers;
  std::optional<core::TimePoint> not_before;
  std::optional<core::TimePoint> not_after;
  // Existing authorizations to reuse, and new ones to create with the order.
  std::vector<core::AuthzId> reuse;
  std::vector<NewAuthorization> create;
  core::TimePoint created_at;
};

struct Certificate {
  std::string serial;  // lower-case hex
  core::AccountId account_id;
  core::OrderId order_id;
  std::string der;        // the leaf
  std::string chain_pem;  // leaf + issuer chain, as served
  std::string key_spki_sha256;
  std::vector<core::Identifier> identifiers;
  core::TimePoint not_before;
  core::TimePoint not_after;
  core::TimePoint issued_at;
  std::optional<core::TimePoint> revoked_at;
  std::optional<int> revocation_reason;
};

struct ChallengeOutcome {
  core::ChallengeId challenge_id;
  core::AuthzId authz_id;
  bool valid = false;
  core::TimePoint at;
  std::optional<core::Error> error;
  std::vector<ValidationRecord> records;
  // A valid authorization's new expiry (RFC 8555 §7.1.4: valid authorizations live
  // longer than pending ones); unset keeps the current one.
  std::optional<core::TimePoint> authz_expires;
  // With remote perspectives: how each vantage point ended.
  std::vector<core::PerspectiveResult> perspectives;
};

}  // namespace signet::storage
