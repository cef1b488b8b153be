#include "server/jose/jws.hpp"

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>

#include <utility>

#include "core/base64url.hpp"
#include "server/json/strict.hpp"

namespace signet::server::jose {
namespace {

using core::ProblemType;

core::Error malformed(std::string d) {
  return core::make_error(ProblemType::Malformed, std::move(d));
}

struct AlgInfo {
  const char* alg;
  int key_type;
  const char* group;  // EC curve the alg requires, else nullptr
  const EVP_MD* (*md)();
  std::size_t ec_size;
};

const EVP_MD* no_md() {
  return nullptr;
}

const AlgInfo kAlgs[] = {
    {"RS256", EVP_PKEY_RSA, nullptr, core::ossl::sha256_md, 0},
    {"ES256", EVP_PKEY_EC, "prime256v1", core::ossl::sha256_md, 32},
    {"ES384", EVP_PKEY_EC, "secp384r1", core::ossl::sha384_md, 48},
    {"ES512", EVP_PKEY_EC, "secp521r1", core::ossl::sha512_md, 66},
    {"EdDSA", EVP_PKEY_ED25519, nullptr, no_md, 0},
};

const AlgInfo* find_alg(std::string_view alg) {
  for (const auto& a : kAlgs) {
    if (alg == a.alg) return &a;
  }
  return nullptr;
}

core::Error bad_alg(const std::string& detail) {
  return core::make_error(ProblemType::BadSignatureAlgorithm, detail);
}

std::optional<std::string> string_member(const rapidjson::Value& v, const char* name,
                                         bool& wrong_type) {
  auto it = v.FindMember(name);
  if (it == v.MemberEnd()) return std::nullopt;
  if (!it->value.IsString()) {
    wrong_type = true;
    return std::nullopt;
  }
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

// r||s (RFC 7518 §3.4) to the DER ECDSA-Sig-Value OpenSSL verifies.
std::optional<std::string> ecdsa_to_der(const std::string& sig, std::size_t size) {
  if (sig.size() != 2 * size) return std::nullopt;
  ECDSA_SIG* es = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data()), static_cast<int>(size),
                        nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(sig.data() + size),
                        static_cast<int>(size), nullptr);
  ECDSA_SIG_set0(es, r, s);
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(es, &der);
  ECDSA_SIG_free(es);
  if (len <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

}  // namespace

const std::vector<std::string>& supported_algorithms() {
  static const std::vector<std::string> algs = [] {
    std::vector<std::string> v;
    for (const auto& a : kAlgs) v.emplace_back(a.alg);
    return v;
  }();
  return algs;
}

core::Result<FlattenedJws> split_flattened(std::string_view json) {
  auto doc = json::parse_strict(json);
  if (!doc) return std::move(doc).error();
  if (!doc->IsObject()) return malformed("JWS is not a JSON object");
  if (doc->HasMember("signatures")) {
    return malformed("JWS general serialization is not supported; use the flattened form");
  }
  if (doc->HasMember("header"))
    return malformed("JWS unprotected headers are not allowed (RFC 8555 §6.2)");
  for (const auto& member : std::as_const(*doc).GetObject()) {
    const std::string_view name(member.name.GetString(), member.name.GetStringLength());
    if (name != "protected" && name != "payload" && name != "signature") {
      return malformed("unexpected JWS member \"" + std::string(name) + "\"");
    }
    if (!member.value.IsString())
      return malformed("JWS member \"" + std::string(name) + "\" must be a string");
  }
  for (const char* m : {"protected", "payload", "signature"}) {
    if (!doc->HasMember(m)) return malformed(std::string("JWS is missing \"") + m + "\"");
  }
  // With their lengths: a "\u0000" escape must not cut a member short.
  auto text = [&](const char* m) {
    const auto& v = (*doc)[m];
    return std::string(v.GetString(), v.GetStringLength());
  };
  return FlattenedJws{text("protected"), text("payload"), text("signature")};
}

core::Result<Jws> parse_jws(std::string_view body) {
  auto parts = split_flattened(body);
  if (!parts) return std::move(parts).error();
  const std::string& protected_b64 = parts->protected_b64;
  const std::string& payload_b64 = parts->payload_b64;
  auto protected_json = core::base64url_decode(protected_b64);
  auto payload = core::base64url_decode(payload_b64);
  if (!protected_json || protected_json->empty())
    return malformed("JWS protected header is not base64url");
  if (!payload) return malformed("JWS payload is not base64url");

  auto header = json::parse_strict(*protected_json);
  if (!header) return malformed("JWS protected header: " + header.error().detail);
  if (!header->IsObject()) return malformed("JWS protected header is not a JSON object");

  Jws jws;
  bool wrong_type = false;
  auto alg = string_member(*header, "alg", wrong_type);
  jws.header.nonce = string_member(*header, "nonce", wrong_type);
  jws.header.url = string_member(*header, "url", wrong_type);
  jws.header.kid = string_member(*header, "kid", wrong_type);
  if (wrong_type) return malformed("JWS header members alg, nonce, url and kid must be strings");
  if (!alg) return malformed("JWS protected header has no \"alg\"");
  if (find_alg(*alg) == nullptr) {
    return bad_alg("JWS algorithm \"" + *alg + "\" is not supported");
  }
  if (header->HasMember("crit"))
    return malformed("JWS \"crit\" header parameters are not supported");
  if (header->HasMember("b64")) return malformed("JWS \"b64\" header parameter is not supported");
  // The algorithm is judged before the signature: "none" comes with an empty one, and is
  // an algorithm refused (badSignatureAlgorithm), not a malformed request.
  auto signature = core::base64url_decode(parts->signature_b64);
  if (!signature || signature->empty()) return malformed("JWS signature is not base64url");
  jws.header.alg = *alg;
  const bool has_jwk = header->HasMember("jwk");
  if (has_jwk == jws.header.kid.has_value()) {
    return malformed("JWS protected header must have exactly one of \"jwk\" and \"kid\"");
  }
  if (has_jwk) {
    auto jwk = parse_jwk((*header)["jwk"]);
    if (!jwk) return std::move(jwk).error();
    jws.header.jwk = std::move(jwk).value();
  }
  jws.signing_input = protected_b64 + "." + payload_b64;
  jws.payload = std::move(*payload);
  jws.empty_payload = payload_b64.empty();
  jws.signature = std::move(*signature);
  return jws;
}

core::Status verify_jws(const Jws& jws, EVP_PKEY* key) {
  const AlgInfo* a = find_alg(jws.header.alg);
  if (a == nullptr) return bad_alg("JWS algorithm \"" + jws.header.alg + "\" is not supported");
  if (EVP_PKEY_get_base_id(key) != a->key_type) {
    return bad_alg("JWS algorithm " + jws.header.alg + " does not fit the account key's type");
  }
  if (a->group != nullptr) {
    char group[64] = {};
    size_t len = 0;
    EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len);
    if (std::string_view(group, len) != a->group) {
      return bad_alg("JWS algorithm " + jws.header.alg + " does not fit the key's curve");
    }
  }
  std::string sig = jws.signature;
  if (a->ec_size != 0) {
    auto der = ecdsa_to_der(sig, a->ec_size);
    if (!der) return malformed("ECDSA signature has the wrong length for " + jws.header.alg);
    sig = std::move(*der);
  }
  core::ossl::MdCtx ctx(EVP_MD_CTX_new());
  const bool ok =
      EVP_DigestVerifyInit(ctx.get(), nullptr, a->md(), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(jws.signing_input.data()),
                       jws.signing_input.size()) == 1;
  if (!ok) {
    core::ossl::last_error();
    return malformed("JWS signature is invalid");
  }
  return {};
}

}  // namespace signet::server::jose
