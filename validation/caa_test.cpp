#include "validation/caa.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <map>

#include "tests/support/fake_resolver.hpp"

namespace signet::validation {
namespace {

using core::ChallengeType;

CaaRequest req(bool wildcard = false, ChallengeType method = ChallengeType::Http01) {
  return CaaRequest{{"signet.test"}, "https://ca.test/acme/acct/1", method, wildcard};
}

TEST(CaaRules, NoRelevantRecordsPermit) {
  EXPECT_FALSE(caa_refusal({}, req()));
  EXPECT_FALSE(caa_refusal({{false, "iodef", "mailto:x@y.test"}}, req()));
}

TEST(CaaRules, IssueNamesTheIssuer) {
  EXPECT_FALSE(caa_refusal({{false, "issue", "signet.test"}}, req()));
  EXPECT_FALSE(caa_refusal({{false, "issue", " Signet.Test ; foo=bar"}}, req()));
  EXPECT_FALSE(
      caa_refusal({{false, "issue", "other.test"}, {false, "issue", "signet.test"}}, req()));
  auto why = caa_refusal({{false, "issue", "other.test"}}, req());
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("0 issue \"other.test\""), std::string::npos) << *why;
  EXPECT_TRUE(caa_refusal({{false, "issue", ";"}}, req()));
}

TEST(CaaRules, IssuewildGovernsWildcards) {
  const std::vector<CaaRecord> rr{{false, "issue", "signet.test"}, {false, "issuewild", ";"}};
  EXPECT_FALSE(caa_refusal(rr, req(false)));
  EXPECT_TRUE(caa_refusal(rr, req(true)));
  // Without issuewild, issue applies to wildcards too.
  EXPECT_FALSE(caa_refusal({{false, "issue", "signet.test"}}, req(true)));
  EXPECT_TRUE(caa_refusal({{false, "issue", "other.test"}}, req(true)));
  // issuewild does not apply to non-wildcard names.
  EXPECT_FALSE(caa_refusal({{false, "issuewild", ";"}}, req(false)));
}

TEST(CaaRules, UnknownCriticalTagsDeny) {
  EXPECT_TRUE(caa_refusal({{true, "tbs", "x"}, {false, "issue", "signet.test"}}, req()));
  EXPECT_FALSE(caa_refusal({{false, "tbs", "x"}, {false, "issue", "signet.test"}}, req()));
}

TEST(CaaRules, Rfc8657Parameters) {
  EXPECT_FALSE(caa_refusal(
      {{false, "issue", "signet.test; accounturi=https://ca.test/acme/acct/1"}}, req()));
  EXPECT_TRUE(caa_refusal({{false, "issue", "signet.test; accounturi=https://ca.test/acme/acct/2"}},
                          req()));
  EXPECT_FALSE(
      caa_refusal({{false, "issue", "signet.test; validationmethods=dns-01,http-01"}}, req()));
  EXPECT_TRUE(caa_refusal({{false, "issue", "signet.test; validationmethods=dns-01"}}, req()));
  EXPECT_FALSE(caa_refusal({{false, "issue", "signet.test; validationmethods=dns-01"}},
                           req(false, ChallengeType::Dns01)));
  EXPECT_TRUE(caa_refusal({{false, "issue", "signet.test; broken"}}, req()));
}

core::Status climb(testing::FakeResolver& r, const core::Identifier& id,
                   const CaaRequest& q = req()) {
  asio::io_context io;
  auto fut = asio::co_spawn(io, check_caa(r, id, q), asio::use_future);
  io.run();
  return fut.get();
}

TEST(CaaTreeClimbing, ClosestRrsetDecides) {
  testing::FakeResolver r;
  r.caa["example.test"] = {{false, "issue", "other.test"}};
  r.caa["ok.example.test"] = {{false, "issue", "signet.test"}};
  EXPECT_TRUE(climb(r, {core::IdentifierType::Dns, "a.ok.example.test"}));
  EXPECT_EQ(r.caa_asked, (std::vector<std::string>{"a.ok.example.test", "ok.example.test"}));
  auto refused = climb(r, {core::IdentifierType::Dns, "www.example.test"});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().type, core::ProblemType::Caa);
  EXPECT_NE(refused.error().detail.find("CAA at example.test"), std::string::npos)
      << refused.error().detail;
  // A wildcard is checked at its base name.
  EXPECT_TRUE(climb(r, {core::IdentifierType::Dns, "*.ok.example.test"}, req(true)));
}

TEST(CaaTreeClimbing, NoRecordsPermitFailuresRefuseIpsSkip) {
  testing::FakeResolver r;
  r.failing.insert("servfail.test");
  EXPECT_TRUE(climb(r, {core::IdentifierType::Dns, "a.b.test"}));
  EXPECT_EQ(r.caa_asked.size(), 3u);  // a.b.test, b.test, test
  auto failed = climb(r, {core::IdentifierType::Dns, "x.servfail.test"});
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().type, core::ProblemType::Dns);
  r.caa_asked.clear();
  EXPECT_TRUE(climb(r, {core::IdentifierType::Ip, "192.0.2.1"}));
  EXPECT_TRUE(r.caa_asked.empty());
}

}  // namespace
}  // namespace signet::validation
