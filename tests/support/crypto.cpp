#include "tests/support/crypto.hpp"

#include <arpa/inet.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <stdexcept>

#include "core/base64url.hpp"

namespace signet::testing {
namespace {

std::string bn_bytes(const BIGNUM* bn, int width = 0) {
  const int n = width > 0 ? width : BN_num_bytes(bn);
  std::string out(static_cast<std::size_t>(n), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), n);
  return out;
}

BIGNUM* get_bn(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) throw std::runtime_error("bn param");
  return bn;
}

}  // namespace

core::ossl::Pkey make_key(const std::string& kind) {
  EVP_PKEY* k = nullptr;
  if (kind.starts_with("rsa")) {
    const unsigned bits = static_cast<unsigned>(std::stoi(kind.substr(3)));
    k = EVP_RSA_gen(bits);
  } else if (kind == "p256") {
    k = EVP_EC_gen("P-256");
  } else if (kind == "p384") {
    k = EVP_EC_gen("P-384");
  } else if (kind == "p521") {
    k = EVP_EC_gen("P-521");
  } else if (kind == "secp256k1") {
    k = EVP_EC_gen("secp256k1");
  } else if (kind == "ed25519") {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  }
  if (k == nullptr) throw std::runtime_error("key generation failed: " + kind);
  return core::ossl::Pkey(k);
}

std::string make_csr(EVP_PKEY* key, const std::vector<core::Identifier>& sans,
                     const std::string& common_name) {
  core::ossl::X509Req req(X509_REQ_new());
  X509_REQ_set_version(req.get(), 0);
  if (!common_name.empty()) {
    X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req.get()), "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                               0);
  }
  X509_REQ_set_pubkey(req.get(), key);
  if (!sans.empty()) {
    GENERAL_NAMES* names = sk_GENERAL_NAME_new_null();
    for (const auto& id : sans) {
      GENERAL_NAME* gn = GENERAL_NAME_new();
      if (id.type == core::IdentifierType::Dns) {
        ASN1_IA5STRING* s = ASN1_IA5STRING_new();
        ASN1_STRING_set(s, id.value.data(), static_cast<int>(id.value.size()));
        GENERAL_NAME_set0_value(gn, GEN_DNS, s);
      } else {
        unsigned char buf[16];
        int len = 4;
        if (inet_pton(AF_INET, id.value.c_str(), buf) != 1) {
          inet_pton(AF_INET6, id.value.c_str(), buf);
          len = 16;
        }
        ASN1_OCTET_STRING* s = ASN1_OCTET_STRING_new();
        ASN1_OCTET_STRING_set(s, buf, len);
        GENERAL_NAME_set0_value(gn, GEN_IPADD, s);
      }
      sk_GENERAL_NAME_push(names, gn);
    }
    STACK_OF(X509_EXTENSION)* exts = sk_X509_EXTENSION_new_null();
    sk_X509_EXTENSION_push(exts, X509V3_EXT_i2d(NID_subject_alt_name, 0, names));
    X509_REQ_add_extensions(req.get(), exts);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    GENERAL_NAMES_free(names);
  }
  const EVP_MD* md = EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
  if (X509_REQ_sign(req.get(), key, md) <= 0) throw std::runtime_error("csr sign");
  unsigned char* der = nullptr;
  const int len = i2d_X509_REQ(req.get(), &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::string jws_sign(EVP_PKEY* key, const std::string& alg, const std::string& data) {
  const EVP_MD* md = nullptr;
  int width = 0;
  if (alg == "RS256" || alg == "ES256") md = EVP_sha256();
  if (alg == "ES384") md = EVP_sha384();
  if (alg == "ES512") md = EVP_sha512();
  if (alg == "ES256") width = 32;
  if (alg == "ES384") width = 48;
  if (alg == "ES512") width = 66;
  core::ossl::MdCtx ctx(EVP_MD_CTX_new());
  EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key);
  std::size_t len = 0;
  EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                 data.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(data.data()), data.size());
  sig.resize(len);
  if (width == 0) return sig;
  const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
  ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
  std::string out = bn_bytes(ECDSA_SIG_get0_r(es), width) + bn_bytes(ECDSA_SIG_get0_s(es), width);
  ECDSA_SIG_free(es);
  return out;
}

std::string public_jwk_json(EVP_PKEY* key) {
  using core::base64url_encode;
  const int id = EVP_PKEY_get_base_id(key);
  if (id == EVP_PKEY_RSA) {
    core::ossl::Bignum n(get_bn(key, OSSL_PKEY_PARAM_RSA_N));
    core::ossl::Bignum e(get_bn(key, OSSL_PKEY_PARAM_RSA_E));
    return R"({"e":")" + base64url_encode(bn_bytes(e.get())) + R"(","kty":"RSA","n":")" +
           base64url_encode(bn_bytes(n.get())) + R"("})";
  }
  if (id == EVP_PKEY_EC) {
    char group[64] = {};
    size_t glen = 0;
    EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &glen);
    const std::string g(group, glen);
    std::string crv = g == "prime256v1"  ? "P-256"
                      : g == "secp384r1" ? "P-384"
                      : g == "secp521r1" ? "P-521"
                                         : g;
    const int width = crv == "P-256" ? 32 : crv == "P-384" ? 48 : 66;
    core::ossl::Bignum x(get_bn(key, OSSL_PKEY_PARAM_EC_PUB_X));
    core::ossl::Bignum y(get_bn(key, OSSL_PKEY_PARAM_EC_PUB_Y));
    return R"({"crv":")" + crv + R"(","kty":"EC","x":")" +
           base64url_encode(bn_bytes(x.get(), width)) + R"(","y":")" +
           base64url_encode(bn_bytes(y.get(), width)) + R"("})";
  }
  unsigned char raw[32];
  size_t len = sizeof raw;
  EVP_PKEY_get_raw_public_key(key, raw, &len);
  return R"({"crv":"Ed25519","kty":"OKP","x":")" +
         base64url_encode(std::string(reinterpret_cast<char*>(raw), len)) + R"("})";
}

core::PublicKey public_key(EVP_PKEY* key) {
  EVP_PKEY_up_ref(key);
  core::PublicKey k;
  k.key = core::ossl::SharedPkey(key, EVP_PKEY_free);
  k.canonical_json = public_jwk_json(key);
  k.thumbprint = core::base64url_encode(core::ossl::sha256(k.canonical_json));
  k.spki_sha256 = core::ossl::sha256(core::ossl::spki_der(key));
  return k;
}

}  // namespace signet::testing
