#include "server/jose/eab.hpp"

#include <openssl/crypto.h>
#include <openssl/hmac.h>

#include <utility>

#include "core/base64url.hpp"
#include "server/jose/jws.hpp"
#include "server/json/strict.hpp"

namespace signet::server::jose {
namespace {

using core::ProblemType;

core::Error malformed(std::string d) {
  return core::make_error(ProblemType::Malformed, "externalAccountBinding: " + std::move(d));
}

const EVP_MD* mac_digest(std::string_view alg) {
  if (alg == "HS256") return core::ossl::sha256_md();
  if (alg == "HS384") return core::ossl::sha384_md();
  if (alg == "HS512") return core::ossl::sha512_md();
  return nullptr;
}

}  // namespace

core::Result<MacJws> parse_binding(std::string_view text, const std::string& outer_url,
                                   const Jwk& account_key) {
  auto parts = split_flattened(text);
  if (!parts) return malformed(parts.error().detail);
  const std::string& protected_b64 = parts->protected_b64;
  const std::string& payload_b64 = parts->payload_b64;
  auto header_json = core::base64url_decode(protected_b64);
  if (!header_json || header_json->empty())
    return malformed("the protected header is not base64url");
  auto payload = core::base64url_decode(payload_b64);
  if (!payload || payload->empty()) return malformed("the payload is not base64url");
  auto mac = core::base64url_decode(parts->signature_b64);
  if (!mac || mac->empty()) return malformed("the signature is not base64url");

  auto header = json::parse_strict(*header_json);
  if (!header) return malformed("protected header: " + header.error().detail);
  if (!header->IsObject()) return malformed("the protected header is not a JSON object");
  auto string_member = [&](const char* name) -> std::optional<std::string> {
    const auto& h = std::as_const(*header);
    const auto it = h.FindMember(name);
    if (it == h.MemberEnd() || !it->value.IsString()) return std::nullopt;
    return std::string(it->value.GetString(), it->value.GetStringLength());
  };
  MacJws out;
  // RFC 8555 §7.3.4: "alg" a MAC algorithm, "kid" the key id, no "nonce", "url" the
  // outer JWS's.
  auto alg = string_member("alg");
  if (!alg) return malformed("the protected header has no \"alg\"");
  if (mac_digest(*alg) == nullptr) {
    return malformed("\"alg\" must be a MAC algorithm (HS256, HS384 or HS512), not \"" + *alg +
                     "\"");
  }
  auto kid = string_member("kid");
  if (!kid || kid->empty()) return malformed("the protected header has no \"kid\" (the key id)");
  if (header->HasMember("nonce"))
    return malformed("the protected header must not have a \"nonce\"");
  if (header->HasMember("jwk")) return malformed("the protected header must not have a \"jwk\"");
  if (header->HasMember("crit")) return malformed("\"crit\" header parameters are not supported");
  if (header->HasMember("b64")) return malformed("the \"b64\" header parameter is not supported");
  auto url = string_member("url");
  if (!url) return malformed("the protected header has no \"url\"");
  if (*url != outer_url) {
    return malformed("\"url\" \"" + *url + "\" is not the newAccount request's \"" + outer_url +
                     "\"");
  }
  // The payload is the account key (RFC 8555 §7.3.4 step 5), compared as a key: the
  // member order and extra members of the client's JWK do not matter.
  auto key = parse_jwk_json(*payload);
  if (!key) return malformed("the payload is not a JWK: " + key.error().detail);
  if (key->thumbprint != account_key.thumbprint) {
    return core::make_error(ProblemType::Unauthorized,
                            "externalAccountBinding: the payload is not the account key of the "
                            "request (the outer JWS's \"jwk\")");
  }
  out.alg = std::move(*alg);
  out.kid = std::move(*kid);
  out.signing_input = protected_b64 + "." + payload_b64;
  out.mac = std::move(*mac);
  return out;
}

core::Status verify_binding_mac(const MacJws& jws, const std::string& hmac_key) {
  const EVP_MD* md = mac_digest(jws.alg);
  if (md == nullptr) return malformed("\"alg\" must be HS256, HS384 or HS512");
  unsigned char expected[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(md, hmac_key.data(), static_cast<int>(hmac_key.size()),
           reinterpret_cast<const unsigned char*>(jws.signing_input.data()),
           jws.signing_input.size(), expected, &len) == nullptr) {
    return core::internal_error("HMAC computation failed");
  }
  // The length is public (it follows from alg); the bytes are compared in constant time.
  if (jws.mac.size() != len || CRYPTO_memcmp(expected, jws.mac.data(), len) != 0) {
    return core::make_error(ProblemType::Unauthorized,
                            "externalAccountBinding: the MAC does not verify with the key " +
                                jws.kid + " (check the HMAC key)");
  }
  return {};
}

}  // namespace signet::server::jose
