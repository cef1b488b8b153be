#include "core/openssl.hpp"

#include <openssl/err.h>
#include <openssl/sha.h>

namespace signet::core::ossl {

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
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key, &der);
  if (len <= 0) return {};
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
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
