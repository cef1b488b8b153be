#include "validation/caa.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
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
  // Validated outside ACME (prevalidated by an external account key): no method is listed.
  CaaRequest out_of_band = req(false, ChallengeType::Dns01);
  out_of_band.out_of_band = true;
  EXPECT_TRUE(caa_refusal({{false, "issue", "signet.test; validationmethods=dns-01,http-01"}},
                          out_of_band));
  EXPECT_FALSE(caa_refusal({{false, "issue", "signet.test"}}, out_of_band));
  EXPECT_FALSE(caa_refusal(
      {{false, "issue", "signet.test; accounturi=https://ca.test/acme/acct/1"}}, out_of_band));
}

core::Status climb(testing::FakeResolver& r, const core::Identifier& id,
                   const CaaRequest& q = req()) {
  asio::io_context io;
  auto fut = asio::co_spawn(io, check_caa(r, id, q), asio::use_future);
  io.run();
  return fut.get();
}

core::Result<std::vector<CaaRecord>> climb_lookup(testing::FakeResolver& r,
                                                  const std::string& name) {
  std::optional<core::Result<std::vector<CaaRecord>>> out;
  asio::io_context io;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { out = co_await r.lookup_caa(name); }, asio::detached);
  io.run();
  return std::move(*out);
}

TEST(CaaTreeClimbing, ClosestRrsetDecides) {
  testing::FakeResolver r;
  r.caa["example.test"] = {{false, "issue", "other.test"}};
  r.caa["ok.example.test"] = {{false, "issue", "signet.test"}};
  EXPECT_TRUE(climb(r, {core::IdentifierType::Dns, "a.ok.example.test"}));
  // Every RRset of the climb is asked for at once.
  EXPECT_EQ(r.caa_asked, (std::vector<std::string>{"a.ok.example.test", "ok.example.test",
                                                   "example.test", "test"}));
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

TEST(CaaTreeClimbing, NamesAreTheNameAndEveryParent) {
  EXPECT_EQ(caa_names("a.b.test"), (std::vector<std::string>{"a.b.test", "b.test", "test"}));
  EXPECT_EQ(caa_names("test"), (std::vector<std::string>{"test"}));
}

// The climb as it was, one name at a time (RFC 8659 §3): what the parallel lookup must
// agree with.
core::Status climb_one_at_a_time(testing::FakeResolver& r, const core::Identifier& id,
                                 const CaaRequest& q) {
  std::string name = id.base_name();
  for (;;) {
    auto rrset = climb_lookup(r, name);
    if (!rrset) return std::move(rrset).error();
    if (!rrset->empty()) {
      if (auto why = caa_refusal(*rrset, q)) {
        return core::make_error(
            core::ProblemType::Caa,
            "CAA at " + name + " forbids issuance for " + id.value + ": " + *why);
      }
      return {};
    }
    const auto dot = name.find('.');
    if (dot == std::string::npos) return {};
    name = name.substr(dot + 1);
  }
}

TEST(CaaTreeClimbing, AllAtOnceDecidesAsOneAtATime) {
  testing::FakeResolver r;
  r.caa["example.test"] = {{false, "issue", "other.test"}};
  r.caa["ok.example.test"] = {{false, "issue", "signet.test"}};
  r.caa["wild.example.test"] = {{false, "issue", "signet.test"}, {false, "issuewild", ";"}};
  r.caa["crit.test"] = {{true, "tbs", "x"}};
  r.caa["test"] = {{false, "issue", "signet.test"}};
  r.failing.insert("servfail.example.test");  // closer than example.test's RRset
  r.failing.insert("net");                    // farther than any RRset below it
  r.caa["ok.net"] = {{false, "issue", "signet.test"}};
  for (const char* name :
       {"a.ok.example.test", "ok.example.test", "www.example.test", "example.test", "a.b.c.test",
        "x.servfail.example.test", "servfail.example.test", "a.crit.test", "wild.example.test",
        "a.ok.net", "other.net", "*.wild.example.test", "*.ok.example.test"}) {
    const core::Identifier id{core::IdentifierType::Dns, name};
    const CaaRequest q = req(id.is_wildcard());
    const auto parallel = climb(r, id, q);
    const auto sequential = climb_one_at_a_time(r, id, q);
    ASSERT_EQ(static_cast<bool>(parallel), static_cast<bool>(sequential)) << name;
    if (!parallel) {
      EXPECT_EQ(parallel.error(), sequential.error()) << name;
    }
  }
}

// The lookups run at once: with a slow resolver, all of them are in progress together.
TEST(CaaTreeClimbing, LooksUpEveryNameAtOnce) {
  testing::FakeResolver r;
  r.delay = std::chrono::milliseconds(20);
  r.caa["l13.l12.l11.l10.l9.l8.l7.l6.l5.l4.l3.l2.l1.test"] = {{false, "issue", "other.test"}};
  std::string name = "test";
  for (int i = 1; i < 16; ++i) name = "l" + std::to_string(i) + "." + name;
  auto refused = climb(r, {core::IdentifierType::Dns, name});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().type, core::ProblemType::Caa);
  EXPECT_EQ(refused.error().detail.find("CAA at l13.l12."), 0u) << refused.error().detail;
  EXPECT_EQ(r.caa_asked.size(), 16u);
  EXPECT_EQ(r.max_running, 16u);
}

// Deeper names than kMaxCaaNames are refused without a lookup: considering only some of
// their names could miss the RRset that decides.
TEST(CaaTreeClimbing, NamesDeeperThanTheCapAreRefused) {
  testing::FakeResolver r;
  std::string name = "test";
  for (std::size_t i = 1; i < kMaxCaaNames; ++i) name = "l" + std::to_string(i) + "." + name;
  EXPECT_TRUE(climb(r, {core::IdentifierType::Dns, name}));
  EXPECT_EQ(r.caa_asked.size(), kMaxCaaNames);
  r.caa_asked.clear();
  auto deep = climb(r, {core::IdentifierType::Dns, "deeper." + name});
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error().type, core::ProblemType::Caa);
  EXPECT_NE(deep.error().detail.find("17 labels"), std::string::npos) << deep.error().detail;
  EXPECT_TRUE(r.caa_asked.empty());
  // A wildcard counts the labels of its base name.
  EXPECT_TRUE(climb(r, {core::IdentifierType::Dns, "*." + name}, req(true)));
}

}  // namespace
}  // namespace signet::validation
