#pragma once
// Certificate profiles (draft-ietf-acme-profiles): what a leaf looks like, how long it
// may live, what it may name and certify, and who may order it. Pure; a Profile is an
// immutable value once configured.
#include <openssl/evp.h>

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/identifier.hpp"
#include "core/result.hpp"
#include "core/status.hpp"
#include "policy/key_policy.hpp"

namespace signet::policy {

enum class ExtendedKeyUsage { ServerAuth, ClientAuth };
enum class KeyUsage { DigitalSignature, KeyEncipherment };

// "serverAuth", "clientAuth" / "digitalSignature", "keyEncipherment"; nullopt otherwise.
std::optional<ExtendedKeyUsage> extended_key_usage_from_name(std::string_view name);
std::optional<KeyUsage> key_usage_from_name(std::string_view name);

struct Profile {
  std::string name = "tlsserver";
  std::string description;  // shown in the directory's meta.profiles
  core::Seconds default_validity = std::chrono::hours(24 * 90);
  core::Seconds max_validity = std::chrono::hours(24 * 100);
  // notBefore is set this far before issuance to absorb clock skew at relying parties.
  core::Seconds backdate = std::chrono::hours(1);
  // How far in the future an order's requested notBefore may be.
  core::Seconds max_not_before_ahead = std::chrono::hours(24 * 7);
  std::vector<ExtendedKeyUsage> extended_key_usages = {ExtendedKeyUsage::ServerAuth};
  // keyEncipherment is certified for RSA keys only (ECDSA and EdDSA keys cannot encipher).
  std::vector<KeyUsage> key_usages = {KeyUsage::DigitalSignature, KeyUsage::KeyEncipherment};
  bool common_name = true;  // the first name as subject CN, when it fits in 64 characters
  std::size_t max_identifiers = 0;  // 0: the server's per-order cap only
  std::set<core::IdentifierType> identifier_types = {core::IdentifierType::Dns,
                                                     core::IdentifierType::Ip};
  // A valid authorization is reused for an order of this profile when it was validated
  // at most this long ago; unset: while it is valid; zero: never.
  std::optional<core::Seconds> authorization_reuse;
  std::set<KeyType> key_types;        // empty: whatever [policy.keys] certificate accepts
  std::set<std::string> accounts;     // account ids that may use it; empty: any
  std::set<std::string> eab_keys;     // external account key ids that may use it; empty: any
  // CRL distribution point and OCSP URL in its certificates (when the server publishes
  // them); short-lived certificates go without (CA/B Forum BR 7.1.2.11.2, 4.9.7).
  bool revocation_pointers = true;
};

struct Validity {
  core::TimePoint not_before;
  core::TimePoint not_after;
};

// The validity of a certificate issued now for an order that requested not_before /
// not_after (RFC 8555 §7.4, either may be absent). Errors are `malformed`.
core::Result<Validity> resolve_validity(const Profile& p, std::optional<core::TimePoint> not_before,
                                        std::optional<core::TimePoint> not_after,
                                        core::TimePoint now);

// Who asks for a profile: an account, and the external account key it is bound to.
struct ProfileUser {
  std::string account_id;
  std::optional<std::string> eab_kid;
};

// Whether `who` may order under p: `invalidProfile` naming the rule if not.
core::Status check_profile_user(const Profile& p, const ProfileUser& who);

// An order's identifiers (already through the identifier policy) against p's types and
// cap: `rejectedIdentifier` subproblems for identifiers of a type p does not certify,
// `rejectedIdentifier` when there are more than its cap.
core::Status check_profile_identifiers(const Profile& p,
                                       const std::vector<core::Identifier>& identifiers);

// A CSR's key against p's key types: `badCSR` naming the types accepted.
core::Status check_profile_key(const Profile& p, EVP_PKEY* key);

// The problem for an order naming a profile this server does not offer.
core::Error unknown_profile(const std::string& name, const std::vector<std::string>& offered);

}  // namespace signet::policy
