#include <gtest/gtest.h>

#include "server/json/decode.hpp"
#include "server/json/encode.hpp"
#include "server/json/vantage.hpp"
#include "server/problem.hpp"

namespace signet::server::json {
namespace {

using core::ProblemType;

TEST(Rfc3339, ParsesAndFormats) {
  EXPECT_EQ(core::to_unix(*parse_rfc3339("2016-01-01T00:04:00+04:00")), 1451592240);
  EXPECT_EQ(core::to_unix(*parse_rfc3339("2016-01-01T00:00:00Z")), 1451606400);
  EXPECT_EQ(core::to_unix(*parse_rfc3339("2016-01-01T00:00:00.123Z")), 1451606400);
  EXPECT_FALSE(parse_rfc3339("2016-01-01 00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2016-13-01T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2016-01-01T00:00:00"));
  EXPECT_FALSE(parse_rfc3339("2999-01-01T00:00:00Z"));  // beyond what a time point holds
  EXPECT_FALSE(parse_rfc3339("1969-12-31T23:59:59Z"));
  EXPECT_EQ(format_rfc3339(core::from_unix(1451606400)), "2016-01-01T00:00:00Z");
}

TEST(Decode, NewOrder) {
  auto o = decode_new_order(
      R"({"identifiers":[{"type":"dns","value":"a.example"}],"notAfter":"2030-01-01T00:00:00Z"})");
  ASSERT_TRUE(o) << o.error().detail;
  EXPECT_EQ(o->identifiers.size(), 1u);
  EXPECT_TRUE(o->not_after.has_value());
  auto unknown = decode_new_order(R"({"identifiers":[{"type":"email","value":"a@b"}]})");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().type, ProblemType::UnsupportedIdentifier);
  EXPECT_EQ(decode_new_order(R"({"identifiers":"x"})").error().type, ProblemType::Malformed);
  EXPECT_EQ(decode_new_order(R"({"identifiers":[],"notBefore":5})").error().type,
            ProblemType::Malformed);
  EXPECT_FALSE(decode_new_order(R"({"identifiers":[],"identifiers":[]})"));
}

// RFC 9773 §5 and RFC 8555 §7.4.1.
TEST(Decode, ReplacesAndNewAuthz) {
  auto o = decode_new_order(
      R"({"identifiers":[{"type":"dns","value":"a.example"}],"replaces":"aYhb.AIdl"})");
  ASSERT_TRUE(o) << o.error().detail;
  EXPECT_EQ(o->replaces, "aYhb.AIdl");
  EXPECT_FALSE(decode_new_order(R"({"identifiers":[{"type":"dns","value":"a.example"}]})")
                   ->replaces.has_value());
  EXPECT_EQ(decode_new_order(R"({"identifiers":[{"type":"dns","value":"a.example"}],"replaces":1})")
                .error()
                .type,
            ProblemType::Malformed);

  auto z = decode_new_authz(R"({"identifier":{"type":"dns","value":"a.example"}})");
  ASSERT_TRUE(z) << z.error().detail;
  EXPECT_EQ(z->identifier, (core::Identifier{core::IdentifierType::Dns, "a.example"}));
  EXPECT_EQ(decode_new_authz("{}").error().type, ProblemType::Malformed);
  EXPECT_EQ(decode_new_authz(R"({"identifier":"a.example"})").error().type, ProblemType::Malformed);
  EXPECT_EQ(decode_new_authz(R"({"identifier":{"type":"email","value":"a@b"}})").error().type,
            ProblemType::UnsupportedIdentifier);
}

TEST(Encode, RenewalInfoAndReplaces) {
  authority::RenewalInfo info;
  info.window = {core::from_unix(1451606400), core::from_unix(1451610000)};
  EXPECT_EQ(encode_renewal_info(info),
            R"({"suggestedWindow":{"start":"2016-01-01T00:00:00Z","end":"2016-01-01T01:00:00Z"}})");
  core::Order o;
  o.id = core::OrderId{"o1"};
  o.replaces = "aYhb.AIdl";
  EXPECT_NE(encode_order(Urls("https://ca.example"), o).find(R"("replaces":"aYhb.AIdl")"),
            std::string::npos);
  EXPECT_EQ(http_status(ProblemType::AlreadyReplaced), 409);
  EXPECT_NE(render_problem(core::make_error(ProblemType::AlreadyReplaced, "twice"))
                .body.find("urn:ietf:params:acme:error:alreadyReplaced"),
            std::string::npos);
}

TEST(Decode, AccountsAndRevocation) {
  auto a = decode_new_account(R"({"contact":["mailto:a@b.example"],"termsOfServiceAgreed":true})");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->request.terms_of_service_agreed);
  EXPECT_FALSE(a->external_account_binding);
  EXPECT_FALSE(decode_new_account(R"({"contact":"mailto:a@b.example"})"));
  EXPECT_FALSE(decode_new_account(R"({"onlyReturnExisting":"yes"})"));
  auto bound = decode_new_account(
      R"({"externalAccountBinding":{"protected":"e30","payload":"e30","signature":"AA"}})");
  ASSERT_TRUE(bound);
  EXPECT_EQ(bound->external_account_binding,
            R"({"protected":"e30","payload":"e30","signature":"AA"})");
  EXPECT_EQ(decode_new_account(R"({"externalAccountBinding":"e30.e30.AA"})").error().type,
            ProblemType::Malformed);
  EXPECT_TRUE(decode_account_update(R"({"status":"deactivated"})")->deactivate);
  EXPECT_FALSE(decode_account_update(R"({"status":"valid"})"));
  EXPECT_EQ(decode_revoke(R"({"certificate":"AAAA","reason":"1"})").error().type,
            ProblemType::BadRevocationReason);
  EXPECT_EQ(decode_finalize(R"({"csr":"not base64!"})").error().type, ProblemType::BadCsr);
}

TEST(Problem, StatusesAndSubproblems) {
  EXPECT_EQ(http_status(ProblemType::BadNonce), 400);
  EXPECT_EQ(http_status(ProblemType::Unauthorized), 403);
  EXPECT_EQ(http_status(ProblemType::DeactivatedAccount), 401);
  EXPECT_EQ(http_status(ProblemType::NotFound), 404);
  EXPECT_EQ(http_status(ProblemType::RateLimited), 429);
  core::Error e = core::make_error(ProblemType::RejectedIdentifier, "two refused");
  e.subproblems.push_back(
      {ProblemType::Malformed, "bad", core::Identifier{core::IdentifierType::Dns, "x_y.example"}});
  auto p = render_problem(e);
  EXPECT_EQ(p.status, 400);
  EXPECT_NE(p.body.find("\"urn:ietf:params:acme:error:rejectedIdentifier\""), std::string::npos);
  EXPECT_NE(p.body.find("\"subproblems\":[{\"type\":\"urn:ietf:params:acme:error:malformed\""),
            std::string::npos);
  EXPECT_NE(p.body.find("x_y.example"), std::string::npos);
  auto alg = render_problem(core::make_error(ProblemType::BadSignatureAlgorithm, "no"));
  EXPECT_NE(alg.body.find("\"algorithms\":[\"RS256\",\"ES256\",\"ES384\",\"ES512\",\"EdDSA\"]"),
            std::string::npos);
  auto internal = render_problem(core::internal_error("secret detail"));
  EXPECT_EQ(internal.body.find("secret"), std::string::npos);
}

TEST(Encode, ChallengeShowsEachPerspective) {
  core::Challenge c;
  c.id = {"ch1"};
  c.type = core::ChallengeType::Dns01;
  c.status = core::ChallengeStatus::Valid;
  c.token = "tok";
  auto body = encode_challenge(Urls("https://ca.test"), {"az1"}, c);
  EXPECT_EQ(body.find("perspectives"), std::string::npos);  // single perspective: none
  c.perspectives = {{"primary", core::PerspectiveVerdict::Valid, std::nullopt},
                    {"eu-1", core::PerspectiveVerdict::Invalid,
                     core::make_error(ProblemType::Unauthorized, "no TXT record")}};
  body = encode_challenge(Urls("https://ca.test"), {"az1"}, c);
  EXPECT_NE(
      body.find("\"perspectives\":[{\"name\":\"primary\",\"verdict\":\"valid\"},"
                "{\"name\":\"eu-1\",\"verdict\":\"invalid\",\"error\":{\"type\":"
                "\"urn:ietf:params:acme:error:unauthorized\",\"detail\":\"no TXT record\"}}]"),
      std::string::npos)
      << body;
}

TEST(Vantage, RequestRoundTrips) {
  validation::ValidationRequest r{{core::IdentifierType::Ip, "192.0.2.7"},
                                  core::ChallengeType::TlsAlpn01,
                                  "tok",
                                  "tok.thumb",
                                  false,
                                  "https://ca.test/acme/acct/1",
                                  {"ca.test", "ca2.test"}};
  auto back = decode_validation_request(encode_validation_request(r));
  ASSERT_TRUE(back) << back.error().detail;
  EXPECT_EQ(back->identifier, r.identifier);
  EXPECT_EQ(back->type, r.type);
  EXPECT_EQ(back->token, "tok");
  EXPECT_EQ(back->key_authorization, "tok.thumb");
  EXPECT_EQ(back->account_uri, r.account_uri);
  EXPECT_EQ(back->caa_identities, r.caa_identities);
  EXPECT_FALSE(back->caa_only);

  r.caa_only = true;
  r.wildcard = true;
  r.token.clear();
  r.key_authorization.clear();
  back = decode_validation_request(encode_validation_request(r));
  ASSERT_TRUE(back) << back.error().detail;
  EXPECT_TRUE(back->caa_only && back->wildcard);
  EXPECT_FALSE(back->out_of_band);
  r.out_of_band = true;
  EXPECT_TRUE(decode_validation_request(encode_validation_request(r))->out_of_band);
}

TEST(Vantage, RequestIsCheckedStrictly) {
  for (const char* bad : {
           R"({"challenge":"http-01","token":"t","keyAuthorization":"t.k"})",
           R"({"identifier":{"type":"email","value":"a@b"},"challenge":"http-01","token":"t",)"
           R"("keyAuthorization":"t.k"})",
           R"({"identifier":{"type":"dns","value":"a.test"},"challenge":"http-02","token":"t",)"
           R"("keyAuthorization":"t.k"})",
           R"({"identifier":{"type":"dns","value":"a.test"},"challenge":"http-01"})",
           R"({"identifier":{"type":"dns","value":"a.test"},"challenge":"http-01","token":"t",)"
           R"("keyAuthorization":"t.k","wildcard":"yes"})",
           R"([1])",
           R"({"identifier":{"type":"dns\u0000x","value":"a.test"},"challenge":"http-01",)"
           R"("token":"t","keyAuthorization":"t.k"})",
       }) {
    auto r = decode_validation_request(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().type, ProblemType::Malformed);
  }
}

TEST(Vantage, OutcomeRoundTrips) {
  validation::ValidationOutcome o;
  o.records.push_back({"primary", "http://a.test/x", "a.test", "80", {"192.0.2.1"}, "192.0.2.1"});
  auto back = decode_validation_outcome(encode_validation_outcome(o));
  ASSERT_TRUE(back) << back.error().detail;
  EXPECT_TRUE(back->ok());
  EXPECT_EQ(back->records, o.records);

  o.problem = core::make_error(ProblemType::Caa, "CAA record for a.test refuses");
  o.problem->subproblems.push_back(
      {ProblemType::Dns, "SERVFAIL", core::Identifier{core::IdentifierType::Dns, "a.test"}});
  back = decode_validation_outcome(encode_validation_outcome(o));
  ASSERT_TRUE(back) << back.error().detail;
  EXPECT_EQ(back->problem, o.problem);

  EXPECT_FALSE(decode_validation_outcome(R"({"status":"invalid"})"));
  EXPECT_FALSE(decode_validation_outcome(R"({"status":"maybe"})"));
  EXPECT_FALSE(decode_validation_outcome(
      R"({"status":"invalid","error":{"type":"urn:example:other","detail":"x"}})"));
}

}  // namespace
}  // namespace signet::server::json
