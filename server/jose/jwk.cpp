#include "server/jose/jwk.hpp"

#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include <array>

#include "core/base64url.hpp"
#include "policy/key_policy.hpp"
#include "server/json/strict.hpp"

namespace signet::server::jose {
namespace {

using core::ProblemType;

core::Error bad_key(std::string d) {
  return core::make_error(ProblemType::BadPublicKey, std::move(d));
}
core::Error malformed(std::string d) {
  return core::make_error(ProblemType::Malformed, std::move(d));
}

std::optional<std::string> member(const rapidjson::Value& v, const char* name) {
  auto it = v.FindMember(name);
  if (it == v.MemberEnd() || !it->value.IsString()) return std::nullopt;
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

core::Result<std::string> b64_member(const rapidjson::Value& v, const char* name) {
  auto s = member(v, name);
  if (!s) return malformed(std::string("JWK is missing \"") + name + "\"");
  auto d = core::base64url_decode(*s);
  if (!d || d->empty())
    return malformed(std::string("JWK member \"") + name + "\" is not base64url");
  return *d;
}

core::ossl::Pkey from_params(const char* type, OSSL_PARAM_BLD* bld) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  core::ossl::PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (ctx && params && EVP_PKEY_fromdata_init(ctx.get()) == 1) {
    EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params);
  }
  OSSL_PARAM_free(params);
  return core::ossl::Pkey(key);
}

core::Result<core::ossl::Pkey> rsa_key(const std::string& n, const std::string& e) {
  core::ossl::Bignum bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()),
                                    static_cast<int>(n.size()), nullptr));
  core::ossl::Bignum bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()),
                                    static_cast<int>(e.size()), nullptr));
  std::unique_ptr<OSSL_PARAM_BLD, core::ossl::Deleter<OSSL_PARAM_BLD_free>> bld(
      OSSL_PARAM_BLD_new());
  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get());
  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get());
  auto key = from_params("RSA", bld.get());
  if (!key) return bad_key("RSA JWK does not form a key");
  return key;
}

struct Curve {
  std::string_view jwk_name;
  const char* group;
  std::size_t size;
};
constexpr std::array kCurves{Curve{"P-256", "prime256v1", 32}, Curve{"P-384", "secp384r1", 48},
                             Curve{"P-521", "secp521r1", 66}};

core::Result<core::ossl::Pkey> ec_key(const Curve& c, const std::string& x, const std::string& y) {
  if (x.size() != c.size || y.size() != c.size) {
    return bad_key("EC JWK coordinates must be " + std::to_string(c.size) + " octets for " +
                   std::string(c.jwk_name));
  }
  std::string point = "\x04" + x + y;
  std::unique_ptr<OSSL_PARAM_BLD, core::ossl::Deleter<OSSL_PARAM_BLD_free>> bld(
      OSSL_PARAM_BLD_new());
  OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, c.group, 0);
  OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  auto key = from_params("EC", bld.get());
  if (!key) {
    core::ossl::last_error();
    return bad_key("EC JWK point is not on the curve");
  }
  return key;
}

}  // namespace

core::Result<Jwk> parse_jwk(const rapidjson::Value& v) {
  if (!v.IsObject()) return malformed("JWK is not a JSON object");
  for (const char* priv : {"d", "p", "q", "dp", "dq", "qi", "k"}) {
    if (v.HasMember(priv)) return bad_key("JWK contains private key material");
  }
  auto kty = member(v, "kty");
  if (!kty) return malformed("JWK is missing \"kty\"");

  Jwk out;
  if (*kty == "RSA") {
    auto n = b64_member(v, "n");
    auto e = b64_member(v, "e");
    if (!n) return std::move(n).error();
    if (!e) return std::move(e).error();
    auto key = rsa_key(*n, *e);
    if (!key) return std::move(key).error();
    out.key = core::ossl::share(std::move(key).value());
    out.canonical_json =
        R"({"e":")" + *member(v, "e") + R"(","kty":"RSA","n":")" + *member(v, "n") + R"("})";
  } else if (*kty == "EC") {
    auto crv = member(v, "crv");
    if (!crv) return malformed("EC JWK is missing \"crv\"");
    const Curve* curve = nullptr;
    for (const auto& c : kCurves) {
      if (c.jwk_name == *crv) curve = &c;
    }
    if (curve == nullptr) return bad_key("unsupported EC curve \"" + *crv + "\"");
    auto x = b64_member(v, "x");
    auto y = b64_member(v, "y");
    if (!x) return std::move(x).error();
    if (!y) return std::move(y).error();
    auto key = ec_key(*curve, *x, *y);
    if (!key) return std::move(key).error();
    out.key = core::ossl::share(std::move(key).value());
    out.canonical_json = R"({"crv":")" + *crv + R"(","kty":"EC","x":")" + *member(v, "x") +
                         R"(","y":")" + *member(v, "y") + R"("})";
  } else if (*kty == "OKP") {
    auto crv = member(v, "crv");
    if (!crv || *crv != "Ed25519") return bad_key("only the Ed25519 OKP curve is supported");
    auto x = b64_member(v, "x");
    if (!x) return std::move(x).error();
    if (x->size() != 32) return bad_key("Ed25519 JWK \"x\" must be 32 octets");
    EVP_PKEY* k = EVP_PKEY_new_raw_public_key(
        EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x->data()), 32);
    if (k == nullptr) return bad_key("unusable Ed25519 key");
    out.key = core::ossl::share(core::ossl::Pkey(k));
    out.canonical_json = R"({"crv":"Ed25519","kty":"OKP","x":")" + *member(v, "x") + R"("})";
  } else {
    return bad_key("unsupported key type \"" + *kty + "\"");
  }
  out.thumbprint = core::base64url_encode(core::ossl::sha256(out.canonical_json));
  // The canonical encoding, the one CSR keys are hashed in: "is this an account key"
  // and revocation by the certificate's key compare the two.
  auto spki_sha256 = policy::canonical_spki_sha256(out.key.get());
  if (!spki_sha256) return bad_key("the JWK cannot be encoded as a SubjectPublicKeyInfo");
  out.spki_sha256 = std::move(spki_sha256).value();
  return out;
}

core::Result<Jwk> parse_jwk_json(std::string_view text) {
  auto doc = json::parse_strict(text);
  if (!doc) return std::move(doc).error();
  return parse_jwk(*doc);
}

}  // namespace signet::server::jose
