#pragma once
// Keys in a PKCS#11 token (an HSM, or SoftHSM2 for tests), named by RFC 7512 URIs
// ("pkcs11:token=signet;object=intermediate"), and the issuer that signs with one.
// The private key never leaves the token: OpenSSL hands each signature to the token
// through libp11, and KeySigner sees an EVP_PKEY like any other.
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "ca/issuer.hpp"
#include "core/openssl.hpp"
#include "core/result.hpp"

namespace signet::ca {

// The parts of an RFC 7512 URI that select a token and a private key on it. Values
// are percent-decoded; an absent attribute matches anything.
struct Pkcs11Uri {
  std::optional<std::string> token, manufacturer, model, serial;  // the token (§2.3)
  std::optional<std::string> object;                              // the key's CKA_LABEL
  std::optional<std::string> id;                                  // the key's CKA_ID, raw bytes

  // Accepts the path attributes above and type=private. Refuses a PIN in the URI
  // (pin-value, pin-source: the PIN comes from a file or the environment), a module in
  // it (module-name, module-path: the configuration names the module), any other
  // attribute, and a URI naming no token or no key.
  static core::Result<Pkcs11Uri> parse(std::string_view uri);
};

// Where a token key is and how to log in to its token.
struct Pkcs11KeySpec {
  std::string uri;               // "pkcs11:token=...;object=..."
  std::filesystem::path module;  // the PKCS#11 module (.so) to load
  std::string pin;               // the user PIN, read from a file or the environment
};

// A logged-in token, and one private key on it once found or made. Owns the loaded
// module (shared with the keys another_key() names on the same login); whatever
// EVP_PKEY it hands out must be freed before the last of them is destroyed.
// Not thread-safe: signers hold signing_mutex() for each signature.
class Pkcs11Key {
 public:
  // Loads the module, finds the one token the URI names and logs in with the PIN.
  // Errors name the module, the token, or the PIN as what is wrong.
  static core::Result<std::unique_ptr<Pkcs11Key>> login(const Pkcs11KeySpec& spec);
  ~Pkcs11Key();
  Pkcs11Key(const Pkcs11Key&) = delete;
  Pkcs11Key& operator=(const Pkcs11Key&) = delete;

  // The private key the URI names (by object label and/or id), as an EVP_PKEY whose
  // signatures the token makes. An error when none or several match.
  core::Result<core::ossl::Pkey> private_key() const;
  // Its public half, as a plain OpenSSL key (for the certificate that names it).
  core::Result<core::ossl::Pkey> public_key() const;

  // Generates an ECDSA P-256 key pair inside the token (C_GenerateKeyPair): private
  // key sensitive and not extractable, both objects on the token, labelled with the
  // URI's object and id (a random 16-byte id when the URI gives none). Refuses when a
  // private key the URI names exists already. Returns the public key.
  core::Result<core::ossl::Pkey> generate_ec_p256() const;

  // Another key on the same token, through this login (the module is not loaded again
  // nor the PIN asked again): uri must name this token. Its signatures share
  // signing_mutex() with this key's. The key itself is looked up by private_key().
  core::Result<std::unique_ptr<Pkcs11Key>> another_key(std::string_view uri) const;

  // Held for each signature through this login, by whichever key: a token is one
  // device. It keeps the login (and the keys it handed out) alive while held.
  std::shared_ptr<std::mutex> signing_mutex() const;

  // "token \"signet\"": the token, as errors name it.
  std::string token() const;

 private:
  struct State;
  Pkcs11Key(std::shared_ptr<State> s, Pkcs11Uri uri);
  std::shared_ptr<State> s_;  // the login, shared by another_key()'s keys
  Pkcs11Uri uri_;             // the key's
};

// An issuer whose certificate is a PEM file and whose key stays in a token. Signing
// holds the login's signing_mutex(): one signature at a time goes to the token, from
// any thread and for any issuer whose key is there.
class Pkcs11Issuer final : public Issuer {
 public:
  // Checks that the token's key matches the certificate.
  static core::Result<std::unique_ptr<Pkcs11Issuer>> open(std::string name,
                                                          const std::filesystem::path& cert_path,
                                                          std::shared_ptr<const Pkcs11Key> key,
                                                          const std::string& chain_above_pem = {});

  const std::string& name() const override { return name_; }
  X509* certificate() const override { return cert_.get(); }
  const std::string& chain_pem() const override { return chain_pem_; }

 private:
  Pkcs11Issuer(std::string name, core::ossl::X509Ptr cert, std::string chain_pem,
               std::shared_ptr<const Pkcs11Key> key, KeySigner signer);
  core::Status sign_certificate(X509* tbs) const override;
  core::Status sign_crl(X509_CRL* tbs) const override;

  std::string name_;
  core::ossl::X509Ptr cert_;
  std::string chain_pem_;
  std::shared_ptr<const Pkcs11Key> key_;  // outlives signer_, whose EVP_PKEY it backs
  std::shared_ptr<std::mutex> mutex_;     // the key's signing_mutex()
  KeySigner signer_;
};

}  // namespace signet::ca
