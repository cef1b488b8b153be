#include "core/openssl.hpp"

#include <openssl/err.h>
#include <openssl/sha.h>

namespace signet::core::ossl {

ErrorQueueScope::~ErrorQueueScope() {
  ERR_clear_error();
}

std::string last_error() {
  std::string out;
  while (unsigned long code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "no OpenSSL error" : out;
}

std::string spki_der(EVP_PKEY* key) {
  return der_of(key, i2d_PUBKEY);
}

std::string spki_der(const X509_PUBKEY* spki) {
  return der_of(spki, i2d_X509_PUBKEY);
}

bool copy_spki(X509* cert, const X509_PUBKEY* spki) {
  ASN1_OBJECT* algorithm = nullptr;
  const unsigned char* bits = nullptr;
  int len = 0;
  X509_ALGOR* algor = nullptr;
  if (X509_PUBKEY_get0_param(&algorithm, &bits, &len, &algor, spki) != 1) return false;
  const ASN1_OBJECT* oid = nullptr;
  int param_type = V_ASN1_UNDEF;
  const void* param = nullptr;
  X509_ALGOR_get0(&oid, &param_type, &param, algor);
  void* param_copy = nullptr;
  switch (param_type) {
    case V_ASN1_OBJECT:  // EC: the named curve
      param_copy = OBJ_dup(static_cast<const ASN1_OBJECT*>(param));
      break;
    case V_ASN1_SEQUENCE:
    case V_ASN1_OCTET_STRING:
      param_copy = ASN1_STRING_dup(static_cast<const ASN1_STRING*>(param));
      break;
    case V_ASN1_NULL:   // RSA
    case V_ASN1_UNDEF:  // Ed25519
      break;
    default:
      return false;
  }
  auto* bits_copy = static_cast<unsigned char*>(OPENSSL_memdup(bits, static_cast<size_t>(len)));
  if (bits_copy == nullptr && len > 0) return false;
  return X509_PUBKEY_set0_param(X509_get_X509_PUBKEY(cert), OBJ_dup(oid), param_type, param_copy,
                                bits_copy, len) == 1;
}

namespace {
// Lives for the whole process: the fetched digests are never freed.
const EVP_MD* fetched(const char* name) {
  return EVP_MD_fetch(nullptr, name, nullptr);
}
}  // namespace

const EVP_MD* sha256_md() {
  static const EVP_MD* md = fetched("SHA256");
  return md;
}
const EVP_MD* sha384_md() {
  static const EVP_MD* md = fetched("SHA384");
  return md;
}
const EVP_MD* sha512_md() {
  static const EVP_MD* md = fetched("SHA512");
  return md;
}

std::string sha256(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, sha256_md(), nullptr);
  return std::string(reinterpret_cast<char*>(md), len);
}

}  // namespace signet::core::ossl
