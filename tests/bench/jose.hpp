#pragma once
// The little JOSE and PKCS#10 a black-box ACME client needs: P-256 keys, their JWK and
// thumbprint, ES256 JWS in flattened JSON serialization, and a CSR. Nothing here is
// shared with the server, on purpose: the benchmark checks the wire, not our own code.
#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace signet::bench {

std::string base64url(std::string_view bytes);

// A P-256 private key. Immutable after construction, so one key may sign from any thread.
class EcKey {
 public:
  // A fresh key; throws std::runtime_error if OpenSSL cannot make one.
  static EcKey generate();

  // RFC 7517 public JWK with the members in lexicographic order, which is also the
  // RFC 7638 thumbprint input.
  const std::string& jwk() const { return jwk_; }
  // RFC 7638 SHA-256 thumbprint, base64url.
  const std::string& thumbprint() const { return thumbprint_; }
  // DER SubjectPublicKeyInfo (RFC 5480).
  const std::string& spki_der() const { return spki_der_; }
  // ES256 (RFC 7518 §3.4): SHA-256 ECDSA, the signature as raw r||s, 64 bytes.
  std::string sign(std::string_view data) const;
  // SHA-256 ECDSA, the signature as a DER ECDSA-Sig-Value (RFC 5480 §2.2).
  std::string sign_der(std::string_view data) const;

 private:
  struct Free {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
  };
  explicit EcKey(EVP_PKEY* key);

  std::unique_ptr<EVP_PKEY, Free> key_;
  std::string jwk_;
  std::string thumbprint_;
  std::string spki_der_;
};

// A flattened JWS (RFC 8555 §6.2): protected header {alg, jwk or kid, nonce, url}.
// An empty kid puts the JWK in the header (newAccount). payload is the JSON text,
// or empty for POST-as-GET.
std::string jws(const EcKey& key, std::string_view kid, std::string_view nonce,
                std::string_view url, std::string_view payload);

// A DER PKCS#10 request (RFC 2986) for names: an empty subject, the names as
// subjectAltName dNSName entries, signed by key with ecdsa-with-SHA256.
std::string csr_der(const EcKey& key, const std::vector<std::string>& names);

}  // namespace signet::bench
