#include "policy/identifiers.hpp"

#include <gtest/gtest.h>

namespace signet::policy {
namespace {

using core::ChallengeType;
using core::Identifier;
using core::IdentifierType;
using core::ProblemType;

Identifier dns(std::string v) {
  return {IdentifierType::Dns, std::move(v)};
}
Identifier ip(std::string v) {
  return {IdentifierType::Ip, std::move(v)};
}

IdentifierPolicy policy_with_dns01() {
  IdentifierPolicyConfig c;
  c.enabled_challenges = {ChallengeType::Http01, ChallengeType::Dns01};
  c.max_identifiers_per_order = 3;
  return IdentifierPolicy(c);
}

TEST(IdentifierPolicy, LowerCasesAndAcceptsValidNames) {
  auto p = policy_with_dns01();
  auto r = p.normalize(dns("WWW.Example.COM"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->value, "www.example.com");
  EXPECT_TRUE(p.normalize(dns("*.example.com")));
  EXPECT_TRUE(p.normalize(dns("xn--bcher-kva.example")));  // bücher
  EXPECT_TRUE(p.normalize(dns(std::string(63, 'a') + ".example")));
}

TEST(IdentifierPolicy, RejectsBadSyntax) {
  auto p = policy_with_dns01();
  const char* bad[] = {"example.com.",
                       "exa mple.com",
                       "-a.example.com",
                       "a-.example.com",
                       "a..example.com",
                       "*.*.example.com",
                       "www.*.example.com",
                       "f*o.example.com",
                       "ab--c.example.com",
                       "xn--.example.com",
                       "xn--abc-.example",
                       "ex_ample.com",
                       "b\xc3\xbc"
                       "cher.example",
                       "1.2.3.4",
                       ""};
  for (const char* name : bad) {
    auto r = p.normalize(dns(name));
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.error().type, ProblemType::Malformed) << name;
  }
  EXPECT_FALSE(p.normalize(dns(std::string(64, 'a') + ".example")));
  std::string long_name;
  for (int i = 0; i < 50; ++i) long_name += "abcd.";
  long_name += "x";
  long_name += "com";
  EXPECT_FALSE(p.normalize(dns(long_name)));  // 254 octets: one too many
}

TEST(IdentifierPolicy, RejectsSingleLabelNamesByPolicy) {
  auto p = policy_with_dns01();
  auto r = p.normalize(dns("localhost"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, ProblemType::RejectedIdentifier);
  EXPECT_FALSE(p.normalize(dns("*.com")));
}

TEST(IdentifierPolicy, WildcardNeedsDns01) {
  IdentifierPolicy http_only{IdentifierPolicyConfig{}};
  auto r = http_only.normalize(dns("*.example.com"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, ProblemType::RejectedIdentifier);
  auto p = policy_with_dns01();
  EXPECT_EQ(p.challenge_types(dns("*.example.com")), std::vector{ChallengeType::Dns01});
  EXPECT_EQ(p.challenge_types(ip("10.0.0.1")), std::vector{ChallengeType::Http01});
}

TEST(IdentifierPolicy, IpIdentifiersMustBeCanonical) {
  auto p = policy_with_dns01();
  EXPECT_TRUE(p.normalize(ip("192.0.2.1")));
  EXPECT_TRUE(p.normalize(ip("2001:db8::1")));
  EXPECT_FALSE(p.normalize(ip("2001:DB8::1")));
  EXPECT_FALSE(p.normalize(ip("2001:db8:0:0:0:0:0:1")));
  EXPECT_FALSE(p.normalize(ip("192.0.2.01")));
  EXPECT_FALSE(p.normalize(ip("example.com")));
}

TEST(IdentifierPolicy, OrderCollectsSubproblemsPerIdentifier) {
  auto p = policy_with_dns01();
  auto r = p.check_order({dns("good.example"), dns("bad_name.example"), dns("localhost")});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, ProblemType::Compound);
  ASSERT_EQ(r.error().subproblems.size(), 2u);
  EXPECT_EQ(r.error().subproblems[0].identifier->value, "bad_name.example");
  EXPECT_EQ(r.error().subproblems[0].type, ProblemType::Malformed);
  EXPECT_EQ(r.error().subproblems[1].type, ProblemType::RejectedIdentifier);
}

TEST(IdentifierPolicy, OrderDeduplicatesAndCaps) {
  auto p = policy_with_dns01();
  auto r = p.check_order({dns("A.example"), dns("a.example")});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->size(), 1u);
  EXPECT_FALSE(p.check_order({}));
  auto big =
      p.check_order({dns("a.example"), dns("b.example"), dns("c.example"), dns("d.example")});
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().type, ProblemType::RejectedIdentifier);
}

TEST(IdentifierPolicy, ALabelsMustBeValidIdna2008) {
  auto p = policy_with_dns01();
  EXPECT_TRUE(p.normalize(dns("xn--bcher-kva.example")));  // bücher
  EXPECT_TRUE(p.normalize(dns("XN--BCHER-KVA.example")));  // upper-case, lower-cased first
  EXPECT_TRUE(p.normalize(dns("xn--fiqs8s.example")));     // 中国
  EXPECT_TRUE(p.normalize(dns("*.xn--bcher-kva.example")));
  const char* bad[] = {
      "xn--a.example",               // decodes to U+0080, which IDNA2008 disallows
      "xn--abc-.example",            // plain "abc" (its trailing hyphen refuses it first)
      "xn--99999999999999.example",  // Punycode overflow
      "xn--bcher-kva-9xa.example",   // not the A-label of any valid U-label
      "ab--c.example",               // "--" in positions 3-4 without "xn"
      "a.xn--a.example",
      "xn--ls8h.example",        // U+1F4A9: TR46 maps it through, IDNA2008 disallows it
      "xn--bucher-xyd.example",  // "bu" U+0308 "cher": not in NFC
  };
  for (const char* name : bad) {
    auto r = p.normalize(dns(name));
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.error().type, ProblemType::Malformed) << name;
  }
  EXPECT_EQ(p.normalize(dns("xn--a.example")).error().detail,
            "Invalid identifier \"xn--a.example\": label is not a valid A-label (string contains "
            "a disallowed character)");
  EXPECT_EQ(p.normalize(dns("ab--c.example")).error().detail,
            "Invalid identifier \"ab--c.example\": label has hyphens in the third and fourth "
            "positions");
}

}  // namespace
}  // namespace signet::policy
