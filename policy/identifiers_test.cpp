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

IdentifierPolicy policy(IdentifierPolicyConfig c) {
  c.enabled_challenges = {ChallengeType::Http01, ChallengeType::Dns01};
  EXPECT_TRUE(validate_config(c));
  return IdentifierPolicy(std::move(c));
}

// The detail of a refusal, or "" if the identifier was accepted.
std::string refusal(const IdentifierPolicy& p, const Identifier& id) {
  auto r = p.normalize(id);
  if (r) return "";
  EXPECT_EQ(r.error().type, ProblemType::RejectedIdentifier) << id.value;
  return r.error().detail;
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

TEST(IdentifierPolicy, ReservedNamesWithEverythingUnderThem) {
  auto p = policy({});
  EXPECT_EQ(refusal(p, dns("localhost")), "Invalid identifier \"localhost\": a reserved name");
  EXPECT_EQ(refusal(p, dns("a.b.localhost")),
            "Invalid identifier \"a.b.localhost\": under the reserved name localhost");
  EXPECT_EQ(refusal(p, dns("*.localhost")),
            "Invalid identifier \"*.localhost\": under the reserved name localhost");
  EXPECT_EQ(refusal(p, dns("x.invalid")),
            "Invalid identifier \"x.invalid\": under the reserved name invalid");
  EXPECT_EQ(refusal(p, dns("localhost.example")), "");
  EXPECT_EQ(refusal(p, dns("notlocalhost.example")), "");

  IdentifierPolicyConfig c;
  c.reserved_names = {"lab.corp.example"};
  auto q = policy(c);
  EXPECT_EQ(refusal(q, dns("x.lab.corp.example")),
            "Invalid identifier \"x.lab.corp.example\": under the reserved name lab.corp.example");
  EXPECT_EQ(refusal(q, dns("*.corp.example")),
            "Invalid identifier \"*.corp.example\": the wildcard would cover the reserved name "
            "lab.corp.example");
  EXPECT_EQ(refusal(q, dns("xlab.corp.example")), "");
  EXPECT_EQ(refusal(q, dns("x.localhost")), "");  // the defaults are replaced, not added to
  EXPECT_EQ(refusal(q, dns("localhost")),
            "Invalid identifier \"localhost\": single-label names are not allowed");
}

TEST(IdentifierPolicy, PublicSuffixesAndWildcardsDirectlyUnderThem) {
  auto p = policy({});
  EXPECT_EQ(refusal(p, dns("co.uk")), "Invalid identifier \"co.uk\": a public suffix");
  EXPECT_EQ(refusal(p, dns("com")), "Invalid identifier \"com\": a public suffix");
  EXPECT_EQ(refusal(p, dns("*.co.uk")),
            "Invalid identifier \"*.co.uk\": a wildcard directly under the public suffix co.uk");
  EXPECT_EQ(refusal(p, dns("*.com")),
            "Invalid identifier \"*.com\": a wildcard directly under the public suffix com");
  // Private-section suffixes are refused too.
  EXPECT_EQ(refusal(p, dns("github.io")), "Invalid identifier \"github.io\": a public suffix");
  EXPECT_EQ(refusal(p, dns("*.github.io")),
            "Invalid identifier \"*.github.io\": a wildcard directly under the public suffix "
            "github.io");
  EXPECT_EQ(refusal(p, dns("x.kawasaki.jp")),
            "Invalid identifier \"x.kawasaki.jp\": a public suffix");
  EXPECT_EQ(refusal(p, dns("city.kawasaki.jp")), "");  // an exception rule
  for (const char* ok : {"example.co.uk", "*.example.co.uk", "example.com", "*.example.com",
                         "someone.github.io", "*.someone.github.io"}) {
    EXPECT_EQ(refusal(p, dns(ok)), "") << ok;
  }
}

TEST(IdentifierPolicy, UnknownTopLevelLabelsAreNotPublicSuffixes) {
  IdentifierPolicy p{IdentifierPolicyConfig{}};  // the embedded default
  for (const char* ok : {"x.example.test", "example.test", "example.example", "host.corp.internal",
                         "corp.internal"}) {
    EXPECT_TRUE(p.normalize(dns(ok))) << ok;
  }
  auto d = policy({});
  EXPECT_EQ(refusal(d, dns("*.example.test")), "");
  EXPECT_EQ(refusal(d, dns("test")),
            "Invalid identifier \"test\": single-label names are not allowed");
  EXPECT_EQ(refusal(d, dns("*.internal")),
            "Invalid identifier \"*.internal\": wildcard needs at least two labels below it");
}

TEST(IdentifierPolicy, AllowedDomainsOnLabelBoundaries) {
  IdentifierPolicyConfig c;
  c.allowed_domains = {"corp.example", "Lab.Example."};
  auto p = policy(c);
  for (const char* ok : {"corp.example", "a.corp.example", "b.a.corp.example", "*.corp.example",
                         "*.a.corp.example", "x.lab.example"}) {
    EXPECT_EQ(refusal(p, dns(ok)), "") << ok;
  }
  EXPECT_EQ(refusal(p, dns("x.other.example")),
            "Invalid identifier \"x.other.example\": not under an allowed domain (allowed: "
            "corp.example, lab.example)");
  EXPECT_NE(refusal(p, dns("xcorp.example")), "");
  EXPECT_NE(refusal(p, dns("corp.example.com")), "");
  EXPECT_NE(refusal(p, dns("*.example")), "");  // covers names outside corp.example
}

TEST(IdentifierPolicy, DeniedDomainsWinOverAllowed) {
  IdentifierPolicyConfig c;
  c.allowed_domains = {"example"};
  c.denied_domains = {"corp-secret.example", "secret.corp.example"};
  auto p = policy(c);
  EXPECT_EQ(refusal(p, dns("corp-secret.example")),
            "Invalid identifier \"corp-secret.example\": a denied domain");
  EXPECT_EQ(
      refusal(p, dns("a.corp-secret.example")),
      "Invalid identifier \"a.corp-secret.example\": under denied domain corp-secret.example");
  EXPECT_EQ(refusal(p, dns("*.corp-secret.example")),
            "Invalid identifier \"*.corp-secret.example\": under denied domain "
            "corp-secret.example");
  EXPECT_EQ(refusal(p, dns("*.corp.example")),
            "Invalid identifier \"*.corp.example\": the wildcard would cover denied domain "
            "secret.corp.example");
  EXPECT_EQ(refusal(p, dns("secret.example")), "");
  EXPECT_EQ(refusal(p, dns("xsecret.corp.example")), "");
  EXPECT_EQ(refusal(p, dns("corp.example")), "");
  EXPECT_EQ(refusal(p, dns("*.other.corp.example")), "");

  // A wildcard covers one label: *.corp.example is valid for b.corp.example, never for
  // a.b.corp.example.
  c.denied_domains = {"a.b.corp.example"};
  auto deep = policy(c);
  EXPECT_EQ(refusal(deep, dns("*.corp.example")), "");
  EXPECT_EQ(refusal(deep, dns("*.b.corp.example")),
            "Invalid identifier \"*.b.corp.example\": the wildcard would cover denied domain "
            "a.b.corp.example");
}

TEST(IdentifierPolicy, IpRanges) {
  IdentifierPolicyConfig c;
  c.allowed_ip_ranges = {*parse_ip_range("10.0.0.0/8"), *parse_ip_range("2001:db8::/32")};
  auto p = policy(c);
  EXPECT_TRUE(p.normalize(ip("10.1.2.3")));
  EXPECT_TRUE(p.normalize(ip("2001:db8::1")));
  EXPECT_EQ(refusal(p, ip("192.0.2.1")),
            "Invalid identifier \"192.0.2.1\": IP address outside the allowed ranges (allowed: "
            "10.0.0.0/8, 2001:db8::/32)");
  EXPECT_NE(refusal(p, ip("2001:db9::1")), "");
  // Syntax still comes first.
  EXPECT_EQ(p.normalize(ip("10.1.2.03")).error().type, ProblemType::Malformed);

  c.allowed_ip_ranges.clear();
  auto none = policy(c);
  EXPECT_EQ(refusal(none, ip("10.1.2.3")),
            "Invalid identifier \"10.1.2.3\": this CA does not issue for IP addresses");
  EXPECT_TRUE(none.normalize(dns("host.example")));

  IdentifierPolicy everywhere{IdentifierPolicyConfig{}};
  EXPECT_TRUE(everywhere.normalize(ip("203.0.113.7")));
  EXPECT_TRUE(everywhere.normalize(ip("2001:db8::7")));
}

TEST(IdentifierPolicy, OrderGivesEachRefusalItsOwnSubproblem) {
  IdentifierPolicyConfig c;
  c.allowed_domains = {"corp.example"};
  c.denied_domains = {"secret.corp.example"};
  c.allowed_ip_ranges = {*parse_ip_range("10.0.0.0/8")};
  auto p = policy(c);
  auto r = p.check_order({dns("www.corp.example"), dns("x.other.example"),
                          dns("a.secret.corp.example"), dns("co.uk"), dns("x.localhost"),
                          ip("192.0.2.1"), dns("bad_name.corp.example"), ip("10.0.0.1")});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, ProblemType::Compound);
  EXPECT_EQ(r.error().detail, "6 identifiers were refused; see subproblems");
  const auto& s = r.error().subproblems;
  ASSERT_EQ(s.size(), 6u);
  const std::pair<const char*, const char*> want[] = {
      {"x.other.example", "not under an allowed domain (allowed: corp.example)"},
      {"a.secret.corp.example", "under denied domain secret.corp.example"},
      {"co.uk", "a public suffix"},
      {"x.localhost", "under the reserved name localhost"},
      {"192.0.2.1", "IP address outside the allowed ranges (allowed: 10.0.0.0/8)"},
      {"bad_name.corp.example", "label contains a character outside letters, digits and hyphen"},
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    ASSERT_TRUE(s[i].identifier);
    EXPECT_EQ(s[i].identifier->value, want[i].first);
    EXPECT_EQ(s[i].detail,
              std::string("Invalid identifier \"") + want[i].first + "\": " + want[i].second);
    EXPECT_EQ(s[i].type, i == 5 ? ProblemType::Malformed : ProblemType::RejectedIdentifier);
  }

  auto one = p.check_order({dns("www.corp.example"), dns("co.uk")});
  ASSERT_FALSE(one);
  EXPECT_EQ(one.error().type, ProblemType::RejectedIdentifier);
  EXPECT_EQ(one.error().detail, "Invalid identifier \"co.uk\": a public suffix");
  ASSERT_EQ(one.error().subproblems.size(), 1u);
}

TEST(IdentifierPolicy, ValidateConfigNormalisesAndNamesBadEntries) {
  IdentifierPolicyConfig c;
  c.allowed_domains = {"Corp.Example.", "xn--bcher-kva.example"};
  c.denied_domains = {"SECRET.corp.example"};
  c.reserved_names = {"localhost", "Internal."};
  ASSERT_TRUE(validate_config(c));
  EXPECT_EQ(c.allowed_domains, (std::vector<std::string>{"corp.example", "xn--bcher-kva.example"}));
  EXPECT_EQ(c.denied_domains, std::vector<std::string>{"secret.corp.example"});
  EXPECT_EQ(c.reserved_names, (std::vector<std::string>{"localhost", "internal"}));

  const std::pair<std::vector<std::string> IdentifierPolicyConfig::*, const char*> lists[] = {
      {&IdentifierPolicyConfig::allowed_domains, "allowed_domains"},
      {&IdentifierPolicyConfig::denied_domains, "denied_domains"},
      {&IdentifierPolicyConfig::reserved_names, "reserved_names"},
  };
  for (const auto& [member, key] : lists) {
    for (const char* entry : {"", ".", "ex_ample.com", "*.example.com",
                              "b\xc3\xbc"
                              "cher.example",
                              "xn--a.example", "a..example", "10.0.0.1", "-a.example"}) {
      IdentifierPolicyConfig bad_cfg;
      (bad_cfg.*member) = {"fine.example", entry};
      auto r = validate_config(bad_cfg);
      ASSERT_FALSE(r) << key << " " << entry;
      EXPECT_TRUE(r.error().detail.starts_with(std::string(key) + ": \"" + entry +
                                               "\" is not a valid DNS name: "))
          << r.error().detail;
    }
  }
  IdentifierPolicyConfig wild;
  wild.denied_domains = {"*.corp.example"};
  EXPECT_EQ(validate_config(wild).error().detail,
            "denied_domains: \"*.corp.example\" is not a valid DNS name: a wildcard is not allowed "
            "here; list the domain itself");
}

}  // namespace
}  // namespace signet::policy
