#include "tests/bench/jose.hpp"

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/sha.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <stdexcept>

namespace signet::bench {
namespace {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using Bignum = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using EcdsaSig = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;

[[noreturn]] void fail(const char* what) {
  throw std::runtime_error(std::string("OpenSSL: ") + what);
}

std::string coordinate(EVP_PKEY* key, const char* param) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, param, &raw) != 1) fail("cannot read the public key");
  Bignum bn(raw);
  std::string out(32, '\0');
  if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(out.data()), 32) != 32)
    fail("public key coordinate too large");
  return out;
}

// DER (X.690): one tag-length-value.
std::string tlv(unsigned char tag, std::string_view content) {
  std::string out(1, static_cast<char>(tag));
  const std::size_t n = content.size();
  if (n < 0x80) {
    out += static_cast<char>(n);
  } else if (n < 0x100) {
    out += '\x81';
    out += static_cast<char>(n);
  } else {
    if (n > 0xffff) fail("DER value too long");
    out += '\x82';
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n & 0xff);
  }
  return out.append(content);
}

// Encoded OBJECT IDENTIFIERs.
constexpr std::string_view kOidSubjectAltName{"\x06\x03\x55\x1d\x11", 5};  // 2.5.29.17
constexpr std::string_view kOidExtensionRequest{"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x09\x0e",
                                                11};  // 1.2.840.113549.1.9.14
constexpr std::string_view kOidEcdsaWithSha256{"\x06\x08\x2a\x86\x48\xce\x3d\x04\x03\x02",
                                               10};  // 1.2.840.10045.4.3.2
// SubjectPublicKeyInfo of a P-256 key up to its point (RFC 5480 §2): SEQUENCE {
// SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING { 0 unused bits, ...
constexpr std::string_view kP256SpkiPrefix{
    "\x30\x59\x30\x13\x06\x07\x2a\x86\x48\xce\x3d\x02\x01\x06\x08\x2a\x86\x48\xce"
    "\x3d\x03\x01\x07\x03\x42\x00",
    26};

std::string sha256(std::string_view data) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

}  // namespace

std::string base64url(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((in.size() * 4 + 2) / 3);
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == in.size()) {
    const unsigned v = p[i] << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (i + 2 == in.size()) {
    const unsigned v = (p[i] << 16) | (p[i + 1] << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

EcKey EcKey::generate() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (key == nullptr) fail("cannot generate a P-256 key");
  return EcKey(key);
}

EcKey::EcKey(EVP_PKEY* key) : key_(key) {
  const std::string x = coordinate(key, OSSL_PKEY_PARAM_EC_PUB_X);
  const std::string y = coordinate(key, OSSL_PKEY_PARAM_EC_PUB_Y);
  // RFC 7638 §3.2: the required members, lexicographic order, no whitespace.
  jwk_ =
      R"({"crv":"P-256","kty":"EC","x":")" + base64url(x) + R"(","y":")" + base64url(y) + R"("})";
  thumbprint_ = base64url(sha256(jwk_));
  spki_der_ = std::string(kP256SpkiPrefix) + '\x04' + x + y;  // uncompressed point
}

std::string EcKey::sign_der(std::string_view data) const {
  MdCtx ctx(EVP_MD_CTX_new());
  std::size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) != 1)
    fail("cannot start an ECDSA signature");
  std::string der(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &len,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
    fail("cannot sign");
  der.resize(len);
  return der;
}

std::string EcKey::sign(std::string_view data) const {
  // OpenSSL gives a DER ECDSA-Sig-Value; JWS wants the fixed-size r||s (RFC 7518 §3.4).
  const std::string der = sign_der(data);
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  EcdsaSig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) fail("cannot decode an ECDSA signature");
  std::string out(64, '\0');
  auto* raw = reinterpret_cast<unsigned char*>(out.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), raw, 32) != 32 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), raw + 32, 32) != 32)
    fail("ECDSA signature value too large");
  return out;
}

std::string jws(const EcKey& key, std::string_view kid, std::string_view nonce,
                std::string_view url, std::string_view payload) {
  // RFC 8555 §6.2: alg, nonce, url, and exactly one of jwk and kid.
  rapidjson::StringBuffer header;
  rapidjson::Writer<rapidjson::StringBuffer> w(header);
  w.StartObject();
  w.Key("alg");
  w.String("ES256");
  if (kid.empty()) {
    w.Key("jwk");
    w.RawValue(key.jwk().data(), key.jwk().size(), rapidjson::kObjectType);
  } else {
    w.Key("kid");
    w.String(kid.data(), static_cast<rapidjson::SizeType>(kid.size()));
  }
  w.Key("nonce");
  w.String(nonce.data(), static_cast<rapidjson::SizeType>(nonce.size()));
  w.Key("url");
  w.String(url.data(), static_cast<rapidjson::SizeType>(url.size()));
  w.EndObject();

  const std::string protected_b64 =
      base64url(std::string_view(header.GetString(), header.GetSize()));
  // RFC 8555 §6.3: POST-as-GET carries the empty string as its payload.
  const std::string payload_b64 = base64url(payload);
  const std::string signature = base64url(key.sign(protected_b64 + "." + payload_b64));
  return R"({"protected":")" + protected_b64 + R"(","payload":")" + payload_b64 +
         R"(","signature":")" + signature + R"("})";
}

std::string csr_der(const EcKey& key, const std::vector<std::string>& names) {
  // Encoded here rather than with X509_REQ: OpenSSL 3 spends about 0.4 ms encoding the
  // public key of every request, which would make the generator compete with the server
  // for CPU. The server parses the result with OpenSSL, so a mistake here shows.
  std::string general_names;
  for (const auto& n : names) general_names += tlv(0x82, n);  // dNSName [2] IA5String
  const std::string san =
      tlv(0x30, std::string(kOidSubjectAltName) + tlv(0x04, tlv(0x30, general_names)));
  const std::string extension_request =
      tlv(0x30, std::string(kOidExtensionRequest) + tlv(0x31, tlv(0x30, san)));
  const std::string info =
      tlv(0x30, std::string("\x02\x01\x00", 3) +                     // version 0
                    std::string("\x30\x00", 2) +                     // empty subject
                    key.spki_der() + tlv(0xa0, extension_request));  // attributes [0]
  const std::string signature = '\0' + key.sign_der(info);           // BIT STRING, no unused bits
  return tlv(0x30, info + tlv(0x30, std::string(kOidEcdsaWithSha256)) + tlv(0x03, signature));
}

}  // namespace signet::bench
