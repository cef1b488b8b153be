#pragma once
// Issuers: a signing key with the certificate that names it and the chain served
// beside what it signs. The private key never leaves an issuer; callers hand it a
// to-be-signed certificate, CRL or OCSP response.
// Two kinds: FileIssuer here, and Pkcs11Issuer (ca/pkcs11.hpp), whose key is in a token.
#include <filesystem>
#include <memory>
#include <string>

#include "core/openssl.hpp"
#include "core/result.hpp"

namespace signet::ca {

using Md = std::unique_ptr<EVP_MD, core::ossl::Deleter<EVP_MD_free>>;

// A private key and the digest its signatures use, both fetched once. Every call
// signs with a context of its own, so one KeySigner serves any number of threads.
class KeySigner {
 public:
  // The digest follows the key: SHA-384 for EC keys of 384 bits, SHA-512 above,
  // SHA-256 for smaller EC keys and for RSA, none for EdDSA (which hashes itself).
  static core::Result<KeySigner> create(core::ossl::Pkey key);

  // Sets the signature algorithm and signature of a complete to-be-signed structure.
  core::Status sign(X509* tbs) const;
  core::Status sign(X509_CRL* tbs) const;
  // Signs a BasicOCSPResponse as the responder whose certificate is cert: responderID
  // byKey, cert included in the response's certs, producedAt the signing time.
  core::Status sign(OCSP_BASICRESP* tbs, X509* cert) const;

  // Whether cert carries this signer's public key.
  bool matches(X509* cert) const;

 private:
  KeySigner(core::ossl::Pkey key, Md md);
  core::Result<core::ossl::MdCtx> context() const;

  core::ossl::Pkey key_;
  Md md_;  // null for keys that take no separate digest
};

// Who signs: name, certificate, chain, signature. Thread-safe; the certificate and
// chain live as long as the issuer.
class Issuer {
 public:
  virtual ~Issuer() = default;

  // What the issuer is for ("acme", "infrastructure"), as callers record it.
  virtual const std::string& name() const = 0;
  // The issuer's own certificate. Not to be modified.
  virtual X509* certificate() const = 0;
  // The PEM chain served after a certificate it signs: its own certificate, then any
  // intermediates above it, up to but excluding the root.
  virtual const std::string& chain_pem() const = 0;

  // Signs what names this issuer as its issuer (subject name of certificate()) and
  // refuses anything else.
  core::Status sign(X509* tbs) const;
  core::Status sign(X509_CRL* tbs) const;

 private:
  virtual core::Status sign_certificate(X509* tbs) const = 0;
  virtual core::Status sign_crl(X509_CRL* tbs) const = 0;
};

// An issuer whose key and certificate are PEM files, read once when opened.
class FileIssuer final : public Issuer {
 public:
  // chain_above_pem: intermediates above this issuer's certificate (never the root);
  // empty when the root signed it.
  static core::Result<std::unique_ptr<FileIssuer>> open(std::string name,
                                                        const std::filesystem::path& cert_path,
                                                        const std::filesystem::path& key_path,
                                                        const std::string& chain_above_pem = {});

  const std::string& name() const override { return name_; }
  X509* certificate() const override { return cert_.get(); }
  const std::string& chain_pem() const override { return chain_pem_; }

 private:
  FileIssuer(std::string name, core::ossl::X509Ptr cert, std::string chain_pem, KeySigner signer);
  core::Status sign_certificate(X509* tbs) const override;
  core::Status sign_crl(X509_CRL* tbs) const override;

  std::string name_;
  core::ossl::X509Ptr cert_;
  std::string chain_pem_;
  KeySigner signer_;
};

}  // namespace signet::ca
