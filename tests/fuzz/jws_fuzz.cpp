// parse_jws and verify_jws (server/jose/jws.hpp) on request bodies.
//
// The first byte says how to read the rest:
//   even: the rest is a request body, as the front end receives it;
//   odd:  the rest is "PROTECTED\nPAYLOAD\nSIGNATURE" in the clear; the target encodes each
//         part in base64url and assembles a flattened JWS, so that mutations reach the JSON
//         of the protected header (and its "jwk") directly.
// A JWS that parses has members that are base64url from end to end, and is verified with a
// fixed key of its algorithm's type, and with its own "jwk" when the account key policy
// takes that key (the front end judges the key first). The same body is also read as an
// external account binding (server/jose/eab.hpp) for a fixed account key: one that parses
// carries a MAC algorithm and a key id, and a wrong HMAC key never verifies it. Nothing
// is left in OpenSSL's queue.
#include <openssl/evp.h>

#include <map>
#include <string>

#include "core/base64url.hpp"
#include "policy/key_policy.hpp"
#include "server/jose/eab.hpp"
#include "server/jose/jws.hpp"
#include "server/json/strict.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/support/crypto.hpp"

namespace {

using namespace signet;

const std::map<std::string, core::ossl::SharedPkey>& fixed_keys() {
  static const auto keys = [] {
    std::map<std::string, core::ossl::SharedPkey> k;
    k["RS256"] = core::ossl::share(testing::make_key("rsa2048"));
    k["ES256"] = core::ossl::share(testing::make_key("p256"));
    k["ES384"] = core::ossl::share(testing::make_key("p384"));
    k["ES512"] = core::ossl::share(testing::make_key("p521"));
    k["EdDSA"] = core::ossl::share(testing::make_key("ed25519"));
    return k;
  }();
  return keys;
}

std::string assemble(std::string_view clear) {
  const auto protected_json = fuzz::take_until(clear, '\n');
  const auto payload = fuzz::take_until(clear, '\n');
  return R"({"protected":")" + core::base64url_encode(protected_json) + R"(","payload":")" +
         core::base64url_encode(payload) + R"(","signature":")" + core::base64url_encode(clear) +
         R"("})";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const policy::KeyPolicy keys{policy::KeyPolicyConfig{}};
  const std::string_view rest = fuzz::as_text(data + 1, size - 1);
  const std::string body = (data[0] & 1) != 0 ? assemble(rest) : std::string(rest);

  static const auto account_key = server::jose::parse_jwk_json(
      testing::public_jwk_json(fixed_keys().at("ES256").get()));
  if (auto binding = server::jose::parse_binding(body, "https://ca.example/acme/new-account",
                                                 *account_key)) {
    FUZZ_CHECK(binding->alg == "HS256" || binding->alg == "HS384" || binding->alg == "HS512");
    FUZZ_CHECK(!binding->kid.empty());
    FUZZ_CHECK(!server::jose::verify_binding_mac(*binding, "not the key"));
  }
  FUZZ_CHECK_NO_OPENSSL_ERRORS();

  auto jws = server::jose::parse_jws(body);
  FUZZ_CHECK_NO_OPENSSL_ERRORS();
  if (!jws) return 0;
  FUZZ_CHECK(jws->header.jwk.has_value() != jws->header.kid.has_value());
  FUZZ_CHECK(!jws->signature.empty());
  FUZZ_CHECK(jws->empty_payload == jws->payload.empty() || !jws->empty_payload);
  auto doc = server::json::parse_strict(body);
  FUZZ_CHECK(doc.ok());
  for (const char* member : {"protected", "payload", "signature"}) {
    const auto& v = (*doc)[member];
    FUZZ_CHECK(core::base64url_decode(std::string_view(v.GetString(), v.GetStringLength())));
  }

  const auto& fixed = fixed_keys();
  if (auto it = fixed.find(jws->header.alg); it != fixed.end()) {
    // A random key never verifies a signature made without it.
    FUZZ_CHECK(!server::jose::verify_jws(*jws, it->second.get()));
  }
  for (const auto& [alg, key] : fixed) (void)server::jose::verify_jws(*jws, key.get());
  if (jws->header.jwk) {
    EVP_PKEY* own = jws->header.jwk->key.get();
    if (keys.check(own, policy::KeyUse::Account)) (void)server::jose::verify_jws(*jws, own);
  }
  FUZZ_CHECK_NO_OPENSSL_ERRORS();
  return 0;
}
