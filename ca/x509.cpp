#include "ca/x509.hpp"

#include <arpa/inet.h>
#include <openssl/pem.h>

#include <ctime>

#include "core/ascii.hpp"
#include "core/files.hpp"

namespace signet::ca::detail {
namespace {
std::string bio_string(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(len));
}
}  // namespace

std::string to_pem(X509* cert) {
  core::ossl::Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  return bio_string(bio.get());
}

std::string key_to_pem(EVP_PKEY* key) {
  core::ossl::Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  return bio_string(bio.get());
}

core::Result<core::ossl::X509Ptr> x509_from_pem(const std::string& pem) {
  core::ossl::Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  core::ossl::X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return core::internal_error("unreadable certificate PEM: " + core::ossl::last_error());
  return cert;
}

std::string to_der(X509* cert) {
  return core::ossl::der_of(cert, i2d_X509);
}

core::Result<core::ossl::Pkey> key_from_pem(const std::string& pem) {
  core::ossl::Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  core::ossl::Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return core::internal_error("unreadable private key PEM: " + core::ossl::last_error());
  return key;
}

core::Result<core::ossl::Pkey> key_from_file(const std::filesystem::path& path) {
  auto pem = core::read_file(path);
  if (!pem) return std::move(pem).error();
  return key_from_pem(*pem);
}

bool add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

bool add_san(X509* cert, const std::vector<core::Identifier>& names) {
  core::ossl::GeneralNames gens(sk_GENERAL_NAME_new_null());
  for (const auto& id : names) {
    GENERAL_NAME* gn = GENERAL_NAME_new();
    if (id.type == core::IdentifierType::Dns) {
      ASN1_IA5STRING* s = ASN1_IA5STRING_new();
      ASN1_STRING_set(s, id.value.data(), static_cast<int>(id.value.size()));
      GENERAL_NAME_set0_value(gn, GEN_DNS, s);
    } else {
      unsigned char buf[16];
      int len = 4;
      if (inet_pton(AF_INET, id.value.c_str(), buf) != 1) {
        if (inet_pton(AF_INET6, id.value.c_str(), buf) != 1) {
          GENERAL_NAME_free(gn);
          return false;
        }
        len = 16;
      }
      ASN1_OCTET_STRING* s = ASN1_OCTET_STRING_new();
      ASN1_OCTET_STRING_set(s, buf, len);
      GENERAL_NAME_set0_value(gn, GEN_IPADD, s);
    }
    sk_GENERAL_NAME_push(gens.get(), gn);
  }
  // RFC 5280 §4.2.1.6: critical when the subject is empty.
  const int critical = X509_NAME_entry_count(X509_get_subject_name(cert)) == 0 ? 1 : 0;
  return X509_add1_ext_i2d(cert, NID_subject_alt_name, gens.get(), critical, X509V3_ADD_DEFAULT) ==
         1;
}

bool set_serial(X509* cert, const std::string& serial_bytes) {
  core::ossl::Bignum bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(serial_bytes.data()),
                                  static_cast<int>(serial_bytes.size()), nullptr));
  if (!bn) return false;
  ASN1_INTEGER* ai = BN_to_ASN1_INTEGER(bn.get(), nullptr);
  const bool ok = ai != nullptr && X509_set_serialNumber(cert, ai) == 1;
  ASN1_INTEGER_free(ai);
  return ok;
}

void set_validity(X509* cert, int64_t not_before_unix, int64_t not_after_unix) {
  ASN1_TIME_set(X509_getm_notBefore(cert), static_cast<time_t>(not_before_unix));
  ASN1_TIME_set(X509_getm_notAfter(cert), static_cast<time_t>(not_after_unix));
}

std::optional<core::TimePoint> to_time_point(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  return core::from_unix(static_cast<int64_t>(timegm(&tm)));
}

std::string hex(const std::string& bytes) {
  return core::hex_lower(bytes);
}

std::optional<std::string> unhex(const std::string& text) {
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (text.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = digit(text[i]), lo = digit(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

}  // namespace signet::ca::detail
