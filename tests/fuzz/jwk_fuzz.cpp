// parse_jwk_json (server/jose/jwk.hpp), then the account key policy on what it parsed, as
// the front end does with a new account's key. A parsed key's canonical JSON must parse
// to the same key: same thumbprint, same SubjectPublicKeyInfo hash. Parsed or refused, a
// key leaves no error in OpenSSL's queue.
#include "core/base64url.hpp"
#include "policy/key_policy.hpp"
#include "server/jose/jwk.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace signet;
  static const policy::KeyPolicy keys{policy::KeyPolicyConfig{}};

  auto jwk = server::jose::parse_jwk_json(fuzz::as_text(data, size));
  FUZZ_CHECK_NO_OPENSSL_ERRORS();
  if (!jwk) return 0;
  FUZZ_CHECK(jwk->key != nullptr);
  FUZZ_CHECK(jwk->spki_sha256.size() == 32);
  FUZZ_CHECK(jwk->thumbprint == core::base64url_encode(core::ossl::sha256(jwk->canonical_json)));

  auto again = server::jose::parse_jwk_json(jwk->canonical_json);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->canonical_json == jwk->canonical_json);
  FUZZ_CHECK(again->spki_sha256 == jwk->spki_sha256);

  (void)keys.check(jwk->key.get(), policy::KeyUse::Account);
  (void)keys.check(jwk->key.get(), policy::KeyUse::Certificate);
  FUZZ_CHECK_NO_OPENSSL_ERRORS();
  return 0;
}
