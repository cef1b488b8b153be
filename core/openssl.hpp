#pragma once
// RAII owners for the OpenSSL handles the rooms share, and a reader of the error queue.
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <string_view>

namespace signet::core::ossl {

template <auto Fn>
struct Deleter {
  template <class T>
  void operator()(T* p) const {
    Fn(p);
  }
};

using Pkey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using X509Req = std::unique_ptr<X509_REQ, Deleter<X509_REQ_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using Bignum = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using GeneralNames = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;
using X509Crl = std::unique_ptr<X509_CRL, Deleter<X509_CRL_free>>;
using X509Revoked = std::unique_ptr<X509_REVOKED, Deleter<X509_REVOKED_free>>;
using Asn1Time = std::unique_ptr<ASN1_TIME, Deleter<ASN1_TIME_free>>;
using Asn1Integer = std::unique_ptr<ASN1_INTEGER, Deleter<ASN1_INTEGER_free>>;
using Asn1Enumerated = std::unique_ptr<ASN1_ENUMERATED, Deleter<ASN1_ENUMERATED_free>>;
using Asn1OctetString = std::unique_ptr<ASN1_OCTET_STRING, Deleter<ASN1_OCTET_STRING_free>>;
using Asn1BitString = std::unique_ptr<ASN1_BIT_STRING, Deleter<ASN1_BIT_STRING_free>>;
using BasicConstraints = std::unique_ptr<BASIC_CONSTRAINTS, Deleter<BASIC_CONSTRAINTS_free>>;
using ExtendedKeyUsage = std::unique_ptr<EXTENDED_KEY_USAGE, Deleter<EXTENDED_KEY_USAGE_free>>;
using AuthorityKeyId = std::unique_ptr<AUTHORITY_KEYID, Deleter<AUTHORITY_KEYID_free>>;
using IssuingDistPoint = std::unique_ptr<ISSUING_DIST_POINT, Deleter<ISSUING_DIST_POINT_free>>;
using CrlDistPoints = std::unique_ptr<CRL_DIST_POINTS, Deleter<CRL_DIST_POINTS_free>>;
using AuthorityInfoAccess =
    std::unique_ptr<AUTHORITY_INFO_ACCESS, Deleter<AUTHORITY_INFO_ACCESS_free>>;
// OCSP (RFC 6960).
using OcspRequest = std::unique_ptr<OCSP_REQUEST, Deleter<OCSP_REQUEST_free>>;
using OcspResponse = std::unique_ptr<OCSP_RESPONSE, Deleter<OCSP_RESPONSE_free>>;
using OcspBasicResp = std::unique_ptr<OCSP_BASICRESP, Deleter<OCSP_BASICRESP_free>>;
using OcspCertId = std::unique_ptr<OCSP_CERTID, Deleter<OCSP_CERTID_free>>;

// Shared ownership of a key (EVP_PKEY is reference counted and immutable once built).
using SharedPkey = std::shared_ptr<EVP_PKEY>;
inline SharedPkey share(Pkey k) {
  return SharedPkey(k.release(), EVP_PKEY_free);
}

// The DER encoding an i2d function writes for obj; empty on failure.
template <class T, class I2d>
std::string der_of(T* obj, I2d i2d) {
  unsigned char* der = nullptr;
  const int len = i2d(obj, &der);
  if (len <= 0) return {};
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

// Drains OpenSSL's thread-local error queue into one line (for logs, never for clients).
std::string last_error();

// Empties the thread's OpenSSL error queue when it goes out of scope, for functions that
// judge untrusted input: what a refused input left there must not surface in a later,
// unrelated last_error(), nor stay allocated on the thread.
class ErrorQueueScope {
 public:
  ErrorQueueScope() = default;
  ErrorQueueScope(const ErrorQueueScope&) = delete;
  ErrorQueueScope& operator=(const ErrorQueueScope&) = delete;
  ~ErrorQueueScope();
};

// DER encoding of a key's SubjectPublicKeyInfo; empty on failure. The EVP_PKEY form
// runs OpenSSL 3's encoder lookup; the X509_PUBKEY form re-encodes a parsed structure
// and costs far less (prefer it on the request path).
std::string spki_der(EVP_PKEY* key);
std::string spki_der(const X509_PUBKEY* spki);
// Sets a certificate's SubjectPublicKeyInfo to a copy of spki as it was encoded
// (algorithm, parameters, key bits), without decoding or re-encoding the key.
bool copy_spki(X509* cert, const X509_PUBKEY* spki);
// SHA-256 of data, raw bytes.
std::string sha256(std::string_view data);

// Digests fetched from the default provider once per process, not per use (OpenSSL 3
// looks an algorithm up by name, under a lock, on every implicit fetch).
const EVP_MD* sha256_md();
const EVP_MD* sha384_md();
const EVP_MD* sha512_md();

}  // namespace signet::core::ossl
