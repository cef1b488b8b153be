#pragma once
// Which public keys are acceptable, for accounts (JWS) and for certificates (CSR), and
// the one form every key is hashed and certified in. Pure; a KeyPolicy is immutable
// once built and thread-safe.
#include <openssl/evp.h>

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace signet::policy {

enum class KeyUse { Account, Certificate };

// RSA keys of exactly these sizes, EC keys on these named curves, Ed25519.
enum class KeyType { Rsa2048, Rsa3072, Rsa4096, P256, P384, P521, Ed25519 };

// "rsa2048", "rsa3072", "rsa4096", "p256", "p384", "p521", "ed25519"; nullopt otherwise.
std::optional<KeyType> key_type_from_name(std::string_view name);
std::string_view key_type_name(KeyType type);
// Which of the KeyTypes a key is; nullopt for any other key (other sizes, curves, kinds).
std::optional<KeyType> key_type_of(EVP_PKEY* key);
// "p256, p384": the names of a set of types, for details that say what is accepted.
std::string key_type_list(const std::set<KeyType>& types);

// [policy.keys]
struct KeyPolicyConfig {
  std::set<KeyType> account = {KeyType::Rsa2048, KeyType::Rsa3072, KeyType::Rsa4096, KeyType::P256,
                               KeyType::P384,    KeyType::P521,    KeyType::Ed25519};
  std::set<KeyType> certificate = {KeyType::Rsa2048, KeyType::Rsa3072, KeyType::Rsa4096,
                                   KeyType::P256, KeyType::P384};
  // SHA-256 of the canonical SubjectPublicKeyInfo (canonical_spki_der), lower-case hex.
  std::set<std::string> blocked_spki_sha256;
  // Steps of Fermat's method tried on every RSA modulus; 0 turns the test off.
  int fermat_rounds = 100;
};

// Reads a blocked-keys file: one hex SHA-256 per line (either case; returned in lower
// case), blank lines and '#' comments allowed. An error names the file and the bad line.
core::Result<std::set<std::string>> load_blocked_keys(const std::filesystem::path& file);

// Refusals are `badPublicKey` for account keys and `badCSR` for certificate keys, with a
// detail that says what is wrong with the key.
class KeyPolicy {
 public:
  explicit KeyPolicy(KeyPolicyConfig c);

  // The cheap checks (key type, RSA size and exponent, named curve) against the list for
  // `use`: for a key whose signature has not been verified yet.
  core::Status check_type(EVP_PKEY* key, KeyUse use) const;
  // check_type, then the blocked list, then the RSA modulus (no factor below 1000, no
  // ROCA fingerprint, not within fermat_rounds of Fermat's method) and the validity of
  // the key (EVP_PKEY_public_check: an EC point on its curve and not the identity).
  core::Status check(EVP_PKEY* key, KeyUse use) const;

  const KeyPolicyConfig& config() const { return config_; }

 private:
  KeyPolicyConfig config_;
};

// The canonical SubjectPublicKeyInfo DER of a key, whatever encoding it arrived in: RSA
// with NULL parameters, EC with the named curve's OID and an uncompressed point, Ed25519
// with the raw key. Keys of other types, and EC keys on no named curve, are errors.
core::Result<std::string> canonical_spki_der(EVP_PKEY* key);
// Raw SHA-256 of canonical_spki_der (the form core::PublicKey::spki_sha256 and every
// stored key hash take).
core::Result<std::string> canonical_spki_sha256(EVP_PKEY* key);

}  // namespace signet::policy
