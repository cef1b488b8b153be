#include <gtest/gtest.h>

#include "core/base64url.hpp"
#include "policy/key_policy.hpp"
#include "server/jose/jws.hpp"
#include "server/json/strict.hpp"
#include "tests/support/crypto.hpp"

namespace signet::server::jose {
namespace {

using core::base64url_encode;
using core::ProblemType;

std::string make_jws(EVP_PKEY* key, const std::string& alg, const std::string& header_extra,
                     const std::string& payload, bool use_jwk = true) {
  std::string header = R"({"alg":")" + alg + R"(","nonce":"n1","url":"https://x/acme")";
  header += use_jwk ? R"(,"jwk":)" + testing::public_jwk_json(key) : R"(,"kid":"https://x/acct/1")";
  header += header_extra + "}";
  const std::string p = base64url_encode(header), pl = base64url_encode(payload);
  const std::string sig = base64url_encode(testing::jws_sign(key, alg, p + "." + pl));
  return R"({"protected":")" + p + R"(","payload":")" + pl + R"(","signature":")" + sig + R"("})";
}

TEST(Jwk, Rfc7638ThumbprintVector) {
  const std::string jwk =
      R"({"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"})";
  auto r = parse_jwk_json(jwk);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->thumbprint, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

TEST(Jwk, KeyAuthorizationJoinsTokenAndThumbprint) {
  auto jwk = parse_jwk_json(
      R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})");
  ASSERT_TRUE(jwk) << jwk.error().detail;
  // RFC 7638 §3.2: the thumbprint hashes only the required members, in order.
  EXPECT_EQ(
      jwk->canonical_json,
      R"({"crv":"P-256","kty":"EC","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})");
  EXPECT_EQ(jwk->thumbprint.size(), 43u);
}

TEST(Jwk, RefusesPrivateMaterialBadCurvesAndOffCurvePoints) {
  EXPECT_EQ(parse_jwk_json(R"({"kty":"EC","crv":"P-256","x":"AA","y":"AA","d":"AA"})").error().type,
            ProblemType::BadPublicKey);
  EXPECT_EQ(parse_jwk_json(R"({"kty":"EC","crv":"secp256k1","x":"AA","y":"AA"})").error().type,
            ProblemType::BadPublicKey);
  const std::string zero32 = base64url_encode(std::string(32, '\1'));
  auto off = parse_jwk_json(R"({"kty":"EC","crv":"P-256","x":")" + zero32 + R"(","y":")" + zero32 +
                            R"("})");
  ASSERT_FALSE(off);
  EXPECT_EQ(off.error().type, ProblemType::BadPublicKey);
  EXPECT_EQ(parse_jwk_json(R"({"kty":"oct","k":"AA"})").error().type, ProblemType::BadPublicKey);
  EXPECT_EQ(parse_jwk_json(R"({"crv":"P-256"})").error().type, ProblemType::Malformed);
}

class JwsAlg : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(JwsAlg, VerifiesAndDetectsTampering) {
  const auto& [kind, alg] = GetParam();
  auto key = testing::make_key(kind);
  auto jws = parse_jws(make_jws(key.get(), alg, "", R"({"a":1})"));
  ASSERT_TRUE(jws) << jws.error().detail;
  EXPECT_EQ(jws->header.alg, alg);
  ASSERT_TRUE(jws->header.jwk.has_value());
  EXPECT_TRUE(verify_jws(*jws, jws->header.jwk->key.get()));
  jws->signing_input += "x";
  auto bad = verify_jws(*jws, jws->header.jwk->key.get());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().type, ProblemType::Malformed);
}

INSTANTIATE_TEST_SUITE_P(All, JwsAlg,
                         ::testing::Values(std::pair{"rsa2048", "RS256"},
                                           std::pair{"p256", "ES256"}, std::pair{"p384", "ES384"},
                                           std::pair{"p521", "ES512"},
                                           std::pair{"ed25519", "EdDSA"}));

TEST(Jws, AlgorithmMustFitKey) {
  auto p256 = testing::make_key("p256");
  auto p384 = testing::make_key("p384");
  auto jws = parse_jws(make_jws(p256.get(), "ES256", "", "{}"));
  ASSERT_TRUE(jws);
  auto r = verify_jws(*jws, p384.get());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, ProblemType::BadSignatureAlgorithm);
  auto rsa = testing::make_key("rsa2048");
  EXPECT_EQ(verify_jws(*jws, rsa.get()).error().type, ProblemType::BadSignatureAlgorithm);
}

TEST(Jws, RefusesUnsupportedAlgorithms) {
  const std::string p = base64url_encode(R"({"alg":"HS256","nonce":"n","url":"u","kid":"k"})");
  auto r = parse_jws(R"({"protected":")" + p + R"(","payload":"","signature":"AAAA"})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, ProblemType::BadSignatureAlgorithm);
  const std::string none = base64url_encode(R"({"alg":"none","nonce":"n","url":"u","kid":"k"})");
  EXPECT_EQ(
      parse_jws(R"({"protected":")" + none + R"(","payload":"","signature":"AAAA"})").error().type,
      ProblemType::BadSignatureAlgorithm);
}

// The algorithm is judged first: "none" with the empty signature it comes with is a
// refused algorithm, not a malformed JWS.
TEST(Jws, AlgNoneWithAnEmptySignatureIsABadSignatureAlgorithm) {
  const std::string none = base64url_encode(R"({"alg":"none","nonce":"n","url":"u","kid":"k"})");
  auto r = parse_jws(R"({"protected":")" + none + R"(","payload":"","signature":""})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, ProblemType::BadSignatureAlgorithm);
  EXPECT_EQ(r.error().detail, "JWS algorithm \"none\" is not supported");
  // A supported algorithm with an empty signature is still malformed.
  const std::string es256 = base64url_encode(R"({"alg":"ES256","nonce":"n","url":"u","kid":"k"})");
  auto empty = parse_jws(R"({"protected":")" + es256 + R"(","payload":"","signature":""})");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().type, ProblemType::Malformed);
}

TEST(Jwk, SpkiHashIsTheCanonicalOne) {
  for (const char* kind : {"rsa2048", "p256", "p384", "p521", "ed25519"}) {
    auto key = testing::make_key(kind);
    auto jwk = parse_jwk_json(testing::public_jwk_json(key.get()));
    ASSERT_TRUE(jwk) << kind;
    EXPECT_EQ(jwk->spki_sha256, *policy::canonical_spki_sha256(key.get())) << kind;
    EXPECT_EQ(jwk->spki_sha256, core::ossl::sha256(core::ossl::spki_der(key.get()))) << kind;
  }
}

TEST(Jws, RefusesMalformedStructures) {
  auto key = testing::make_key("p256");
  const auto good = make_jws(key.get(), "ES256", "", "{}");
  EXPECT_TRUE(parse_jws(good));
  const char* bad[] = {
      "[]",
      "{}",
      R"({"protected":"e30","payload":"","signature":"AAAA","header":{}})",
      R"({"signatures":[]})",
      R"({"protected":"e30","payload":"","signature":"AAAA"})",
      R"({"protected":"!!","payload":"","signature":"AAAA"})",
      R"({"protected":"e30","payload":"","signature":"AAAA","protected":"e30"})",
  };
  for (const char* b : bad) {
    auto r = parse_jws(b);
    ASSERT_FALSE(r) << b;
    EXPECT_EQ(r.error().type, ProblemType::Malformed) << b;
  }
  // Both jwk and kid.
  auto both = make_jws(key.get(), "ES256", R"(,"kid":"k")", "{}");
  EXPECT_FALSE(parse_jws(both));
  // crit.
  EXPECT_FALSE(parse_jws(make_jws(key.get(), "ES256", R"(,"crit":["x"])", "{}")));
}

// Found by fuzzing: a "\u0000" escape cut a member short, and what followed it was ignored.
TEST(Jws, RefusesMembersWithAnEscapedNul) {
  auto key = testing::make_key("p256");
  const auto good = make_jws(key.get(), "ES256", "", "{}");
  for (const char* member : {R"("protected":")", R"("payload":")", R"("signature":")"}) {
    std::string bad = good;
    const auto at = bad.find(member);
    ASSERT_NE(at, std::string::npos);
    const auto end = bad.find('"', at + std::string_view(member).size());
    bad.insert(end, R"(\u0000AAAA)");
    auto r = parse_jws(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().type, ProblemType::Malformed);
  }
}

TEST(Jws, PostAsGetHasEmptyPayload) {
  auto key = testing::make_key("p256");
  auto jws = parse_jws(make_jws(key.get(), "ES256", "", "", false));
  ASSERT_TRUE(jws);
  EXPECT_TRUE(jws->empty_payload);
  EXPECT_EQ(jws->header.kid, "https://x/acct/1");
}

TEST(StrictJson, RefusesDuplicatesDepthAndBadUtf8) {
  EXPECT_TRUE(json::parse_strict(R"({"a":{"b":[1,2,{"c":null}]}})"));
  EXPECT_FALSE(json::parse_strict(R"({"a":1,"a":2})"));
  EXPECT_TRUE(json::parse_strict(R"({"a":{"a":1}})"));
  EXPECT_FALSE(json::parse_strict(std::string(40, '[') + std::string(40, ']')));
  EXPECT_FALSE(json::parse_strict("{\"a\":\"\xff\"}"));
  EXPECT_FALSE(json::parse_strict(R"({"a":1} x)"));
  EXPECT_FALSE(json::parse_strict(""));
}

// Found by fuzzing: RapidJSON read 2e308 as infinity, which no JSON writer gives back.
TEST(StrictJson, RefusesNumbersBeyondADouble) {
  auto inf = json::parse_strict(R"({"reason":1,"x":2e308})");
  ASSERT_FALSE(inf);
  EXPECT_EQ(inf.error().detail, "Invalid JSON: a number beyond the range of a double");
  EXPECT_FALSE(json::parse_strict("-2e308"));
  EXPECT_FALSE(json::parse_strict("1e400"));
  EXPECT_TRUE(json::parse_strict("[1.7976931348623157e308,-1e308,4.9e-324,1e-400]"));
}

// Found by fuzzing: a lone low surrogate escape became a string that is not UTF-8.
TEST(StrictJson, RefusesUnpairedSurrogates) {
  auto lone = json::parse_strict(R"({"a":"3d\ude00\u0000"})");
  ASSERT_FALSE(lone);
  EXPECT_EQ(lone.error().detail, "Invalid JSON: a string with an unpaired surrogate escape");
  EXPECT_FALSE(json::parse_strict(R"({"\udfff":1})"));
  EXPECT_FALSE(json::parse_strict(R"(["\ud800"])"));
  EXPECT_FALSE(json::parse_strict(R"(["\ud800\u0041"])"));
  auto pair = json::parse_strict(R"(["\ud83d\ude00\u00e9\u0000"])");
  ASSERT_TRUE(pair);
  EXPECT_EQ(std::string((*pair)[0].GetString(), (*pair)[0].GetStringLength()),
            std::string("\xf0\x9f\x98\x80\xc3\xa9\0", 7));
}

TEST(StrictJson, NamesTheDuplicateMember) {
  EXPECT_EQ(json::parse_strict(R"({"a":1,"a":2})").error().detail,
            "Invalid JSON: duplicate member name \"a\"");
  EXPECT_EQ(json::parse_strict(R"({"":1,"":2})").error().detail,
            "Invalid JSON: duplicate member name \"\"");
}

}  // namespace
}  // namespace signet::server::jose
