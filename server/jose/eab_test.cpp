#include "server/jose/eab.hpp"

#include <gtest/gtest.h>
#include <openssl/hmac.h>

#include "core/base64url.hpp"
#include "core/openssl.hpp"
#include "tests/support/crypto.hpp"

namespace signet::server::jose {
namespace {

using core::base64url_encode;
using core::ProblemType;

const std::string kUrl = "https://ca.example/acme/new-account";
const std::string kHmacKey = std::string("0123456789abcdef0123456789abcdef");

std::string hmac(const std::string& alg, const std::string& key, const std::string& data) {
  const EVP_MD* md = alg == "HS384"   ? core::ossl::sha384_md()
                     : alg == "HS512" ? core::ossl::sha512_md()
                                      : core::ossl::sha256_md();
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

// A binding as a client builds it (RFC 8555 §7.3.4): header and payload as given.
std::string binding(const std::string& header, const std::string& payload,
                    const std::string& alg = "HS256", const std::string& key = kHmacKey) {
  const std::string p = base64url_encode(header), pl = base64url_encode(payload);
  return R"({"protected":")" + p + R"(","payload":")" + pl + R"(","signature":")" +
         base64url_encode(hmac(alg, key, p + "." + pl)) + R"("})";
}

std::string header(const std::string& alg, const std::string& extra = "") {
  return R"({"alg":")" + alg + R"(","kid":"team-a","url":")" + kUrl + "\"" + extra + "}";
}

class Binding : public ::testing::Test {
 protected:
  core::ossl::Pkey key = testing::make_key("p256");
  Jwk account = testing::public_key(key.get());
  std::string jwk = testing::public_jwk_json(key.get());

  core::Result<MacJws> parse(const std::string& json) { return parse_binding(json, kUrl, account); }
};

class BindingAlg : public Binding, public ::testing::WithParamInterface<std::string> {};

TEST_P(BindingAlg, VerifiesWithTheKeyAndNotWithAnother) {
  const std::string alg = GetParam();
  auto b = parse(binding(header(alg), jwk, alg));
  ASSERT_TRUE(b) << b.error().detail;
  EXPECT_EQ(b->kid, "team-a");
  EXPECT_EQ(b->alg, alg);
  EXPECT_TRUE(verify_binding_mac(*b, kHmacKey));
  auto wrong = verify_binding_mac(*b, "another key, also thirty-two by.");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().type, ProblemType::Unauthorized);
  EXPECT_NE(wrong.error().detail.find("team-a"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Hs, BindingAlg, ::testing::Values("HS256", "HS384", "HS512"));

TEST_F(Binding, Rfc7515HmacVector) {
  // RFC 7515 Appendix A.1: the HS256 example.
  MacJws j;
  j.alg = "HS256";
  j.kid = "a1";
  j.signing_input =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVl"
      "fQ";
  j.mac = *core::base64url_decode("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
  const auto k = *core::base64url_decode(
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
  EXPECT_TRUE(verify_binding_mac(j, k));
  j.mac[0] ^= 1;
  EXPECT_FALSE(verify_binding_mac(j, k));
  j.mac.pop_back();  // a truncated MAC never matches
  EXPECT_FALSE(verify_binding_mac(j, k));
}

TEST_F(Binding, TamperedPayloadOrHeaderFailsTheMac) {
  auto b = parse(binding(header("HS256"), jwk));
  ASSERT_TRUE(b);
  b->signing_input += "x";
  EXPECT_EQ(verify_binding_mac(*b, kHmacKey).error().type, ProblemType::Unauthorized);
}

TEST_F(Binding, UrlMustBeTheOuterOne) {
  auto b = parse(
      binding(R"({"alg":"HS256","kid":"team-a","url":"https://ca.example/acme/other"})", jwk));
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().type, ProblemType::Malformed);
  EXPECT_NE(b.error().detail.find("\"url\""), std::string::npos);
  EXPECT_FALSE(parse(binding(R"({"alg":"HS256","kid":"team-a"})", jwk)));
}

TEST_F(Binding, PayloadMustBeTheAccountKeyComparedAsAKey) {
  auto other = testing::make_key("p256");
  auto b = parse(binding(header("HS256"), testing::public_jwk_json(other.get())));
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().type, ProblemType::Unauthorized);
  EXPECT_NE(b.error().detail.find("not the account key"), std::string::npos);
  // The same key with its members in another order and an extra member is the same key.
  auto member = [&](const std::string& name) {
    const auto start = jwk.find("\"" + name + "\":\"") + name.size() + 4;
    return jwk.substr(start, jwk.find('"', start) - start);
  };
  const std::string reordered = R"({"y":")" + member("y") + R"(","x":")" + member("x") +
                                R"(","use":"sig","kty":"EC","crv":"P-256"})";
  auto same = parse(binding(header("HS256"), reordered));
  EXPECT_TRUE(same) << reordered << ": " << same.error().detail;
  EXPECT_EQ(parse(binding(header("HS256"), "not json")).error().type, ProblemType::Malformed);
}

TEST_F(Binding, HeaderMustFollowRfc8555) {
  for (const std::string alg : {"none", "RS256", "ES256", "HS1", "hs256"}) {
    auto b = parse(binding(header(alg), jwk));
    ASSERT_FALSE(b) << alg;
    EXPECT_EQ(b.error().type, ProblemType::Malformed) << alg;
    EXPECT_NE(b.error().detail.find("MAC algorithm"), std::string::npos) << b.error().detail;
  }
  EXPECT_NE(parse(binding(header("HS256", R"(,"nonce":"abc")"), jwk)).error().detail.find("nonce"),
            std::string::npos);
  EXPECT_FALSE(parse(binding(header("HS256", R"(,"jwk":)" + jwk), jwk)));
  EXPECT_FALSE(parse(binding(header("HS256", R"(,"crit":["b64"])"), jwk)));
  EXPECT_FALSE(parse(binding(R"({"alg":"HS256","url":")" + kUrl + "\"}", jwk)));  // no kid
  EXPECT_FALSE(parse(binding(R"({"alg":"HS256","kid":"","url":")" + kUrl + "\"}", jwk)));
}

TEST_F(Binding, OnlyTheFlattenedSerialization) {
  const std::string good = binding(header("HS256"), jwk);
  EXPECT_TRUE(parse(good));
  EXPECT_FALSE(parse("[]"));
  EXPECT_FALSE(parse(good.substr(0, good.size() - 1) + R"(,"header":{}})"));
  EXPECT_FALSE(parse(R"({"protected":"e30","payload":"e30"})"));
  EXPECT_FALSE(parse(R"({"protected":"e30","payload":"e30","signature":""})"));
  EXPECT_FALSE(parse(R"({"protected":"!!","payload":"e30","signature":"AA"})"));
}

}  // namespace
}  // namespace signet::server::jose
