#pragma once
// The domain model: what Signet knows about accounts, orders, authorizations,
// challenges and certificates. Plain values shared by every room; the Store decides
// how they are kept.
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/identifier.hpp"
#include "core/ids.hpp"
#include "core/openssl.hpp"
#include "core/status.hpp"
#include "core/validation_record.hpp"

namespace signet::core {

// A public key as ACME carries it: parsed once, with the forms Signet compares.
struct PublicKey {
  ossl::SharedPkey key;
  std::string canonical_json;  // the JWK's required members, lexicographic (RFC 7638 §3)
  std::string thumbprint;      // base64url(SHA-256(canonical_json))
  std::string spki_sha256;     // raw SHA-256 of the DER SubjectPublicKeyInfo
};

struct Account {
  AccountId id;
  std::string jwk;             // the public key, canonical JWK JSON
  std::string jwk_thumbprint;  // RFC 7638, base64url
  std::vector<std::string> contact;
  AccountStatus status = AccountStatus::Valid;
  bool tos_agreed = false;
  TimePoint created_at;
  // The external account key (RFC 8555 §7.3.4) the account was bound to at creation.
  std::optional<std::string> eab_kid{};
};

struct NewAccount {
  std::string jwk;
  std::string jwk_thumbprint;
  std::string key_spki_sha256;  // raw bytes; shared fingerprint space with certificate keys
  std::vector<std::string> contact;
  bool tos_agreed = false;
  TimePoint created_at;
  // Bind the account to this external account key in the same transaction.
  std::optional<std::string> eab_kid{};
};

// An external account key (RFC 8555 §7.3.4): an HMAC key handed to a client outside
// ACME, which binds the accounts it creates to what the operator allowed for it.
struct EabKey {
  std::string kid;       // ASCII key identifier
  std::string hmac_key;  // raw bytes
  std::string note;
  // Names (DNS) the bound accounts may order: equal to one of these or under it; empty
  // allows any name the server's policy allows.
  std::vector<std::string> allowed_domains;
  // Names equal to or under these are authorized without a challenge (CAA still applies).
  std::vector<std::string> prevalidated_domains;
  std::vector<std::string> profiles;  // empty: any profile
  std::optional<Seconds> max_validity;
  bool reusable = false;  // binds any number of accounts; otherwise one
  TimePoint created_at;
  std::optional<TimePoint> revoked_at{};
  std::size_t accounts = 0;  // accounts bound to it so far
};

struct AccountKey {
  std::string jwk;
  std::string jwk_thumbprint;
  std::string key_spki_sha256;
};

struct Challenge {
  ChallengeId id;
  ChallengeType type = ChallengeType::Http01;
  ChallengeStatus status = ChallengeStatus::Pending;
  std::string token;
  std::optional<TimePoint> validated_at;
  std::optional<Error> error;
  std::vector<ValidationRecord> records;
  std::vector<PerspectiveResult> perspectives;  // empty without remote perspectives
};

struct Authorization {
  AuthzId id;
  AccountId account_id;
  Identifier identifier;  // without "*." for wildcards (RFC 8555 §7.1.4)
  bool wildcard = false;
  AuthzStatus status = AuthzStatus::Pending;  // as stored; see authority/state
  TimePoint expires;
  std::vector<Challenge> challenges;
  // Valid from creation, without a challenge, because the account's external account
  // key (this kid) has the name among its prevalidated domains.
  std::optional<std::string> prevalidated_by{};
};

struct NewAuthorization {
  Identifier identifier;
  bool wildcard = false;
  TimePoint expires;
  std::vector<ChallengeType> challenge_types;
  // Set: created valid, with no challenge, prevalidated by this external account key.
  std::optional<std::string> prevalidated_by{};
};

// An order's view of one of its authorizations.
struct AuthzRef {
  AuthzId id;
  AuthzStatus status;
  TimePoint expires;
  std::optional<TimePoint> validated_at{};  // when its valid challenge passed
};

struct Order {
  OrderId id;
  AccountId account_id;
  OrderStatus status = OrderStatus::Pending;  // as stored; see authority/state
  TimePoint expires;
  std::vector<Identifier> identifiers;
  std::optional<TimePoint> not_before;
  std::optional<TimePoint> not_after;
  std::vector<AuthzRef> authorizations;
  std::optional<Error> error;
  std::optional<std::string> certificate_serial;
  TimePoint created_at;
  std::string profile;  // empty for orders made before profiles
  // The certificate this order replaces, as its RFC 9773 certID.
  std::optional<std::string> replaces{};
};

struct NewOrder {
  AccountId account_id;
  TimePoint expires;
  std::vector<Identifier> identifiers;
  std::optional<TimePoint> not_before;
  std::optional<TimePoint> not_after;
  // Existing authorizations to reuse, and new ones to create with the order.
  std::vector<AuthzId> reuse;
  std::vector<NewAuthorization> create;
  TimePoint created_at;
  std::string profile;
  // RFC 9773 §5: the certID of the certificate the order replaces; at most one order
  // that is not invalid replaces a certificate.
  std::optional<std::string> replaces{};
};

struct Certificate {
  std::string serial;  // lower-case hex
  AccountId account_id;
  OrderId order_id;
  std::string der;        // the leaf
  std::string chain_pem;  // leaf + issuer chain, as served
  std::string key_spki_sha256;
  std::vector<Identifier> identifiers;
  TimePoint not_before;
  TimePoint not_after;
  TimePoint issued_at;
  std::optional<TimePoint> revoked_at;
  std::optional<int> revocation_reason;
  std::string profile;  // empty for certificates issued before profiles
  std::optional<int> crl_shard{};  // the CRL it is listed on once revoked
  // ca::issuer_id() of the issuer that signed it, whose CRLs list it (the CRL URL it
  // names carries it); empty for certificates issued before it was recorded, which
  // name /crl/acme/<shard>.crl. Recorded, not read back.
  std::string issuer_id{};
  // When an administrator asked for it to be renewed early (RFC 9773 windows).
  std::optional<TimePoint> renew_early_at{};
};

// A revoked certificate as a CRL lists it.
struct RevokedCertificate {
  std::string serial;  // lower-case hex
  TimePoint revoked_at;
  int reason = 0;  // RFC 5280 CRLReason
};

// What is recorded about an ACME certificate before it is signed: enough to sign it
// again, identical but for the signature, when a crash came between signing and
// storing, so that every certificate Signet signs can be found and revoked.
struct PendingIssuance {
  OrderId order_id;
  AccountId account_id;
  std::string serial;  // lower-case hex
  std::string issuer;
  std::string profile;
  std::string spki_der;         // the subject key, as certified
  std::string key_spki_sha256;  // raw SHA-256 of spki_der
  std::vector<Identifier> identifiers;
  TimePoint not_before;
  TimePoint not_after;
};

struct ChallengeOutcome {
  ChallengeId challenge_id;
  AuthzId authz_id;
  bool valid = false;
  TimePoint at;
  std::optional<Error> error;
  std::vector<ValidationRecord> records;
  // A valid authorization's new expiry (RFC 8555 §7.1.4: valid authorizations live
  // longer than pending ones); unset keeps the current one.
  std::optional<TimePoint> authz_expires;
  // With remote perspectives: how each vantage point ended.
  std::vector<PerspectiveResult> perspectives;
};

// A certificate Signet signed for its own use: its TLS listener, its client
// certificate, vantage agents.
struct InfrastructureCertificate {
  std::string serial;  // lower-case hex
  std::string issuer;
  std::string profile;
  std::vector<Identifier> identifiers;
  std::string key_spki_sha256;
  std::string der;
  TimePoint not_before;
  TimePoint not_after;
  TimePoint issued_at;
};

}  // namespace signet::core
