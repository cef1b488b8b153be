#include "policy/name_constraints.hpp"

#include <gtest/gtest.h>

#include "policy/identifiers.hpp"

namespace signet::policy {
namespace {

using core::Identifier;
using core::IdentifierType;

Identifier dns(std::string v) {
  return {IdentifierType::Dns, std::move(v)};
}
Identifier ip(std::string v) {
  return {IdentifierType::Ip, std::move(v)};
}

NameConstraints corp() {
  NameSubtrees s;
  s.certificate = "CN=Corp CA";
  s.permitted_dns = {"corp.example", ".lab.example"};
  s.excluded_dns = {"secret.corp.example"};
  s.permitted_ip = {*parse_ip_range("10.0.0.0/8")};
  s.excluded_ip = {*parse_ip_range("10.9.0.0/16")};
  return {{s}};
}

TEST(NameConstraints, PermittedSubtreesAddLabelsOnTheLeft) {
  const auto c = corp();
  EXPECT_FALSE(c.refusal(dns("corp.example")));
  EXPECT_FALSE(c.refusal(dns("www.corp.example")));
  EXPECT_FALSE(c.refusal(dns("host.lab.example")));
  // A leading dot wants at least one label more.
  EXPECT_TRUE(c.refusal(dns("lab.example")));
  // Label boundaries, not string suffixes.
  auto other = c.refusal(dns("xcorp.example"));
  ASSERT_TRUE(other);
  EXPECT_EQ(*other,
            "the issuing CA's name constraints: outside the permitted subtrees of CN=Corp CA "
            "(corp.example, .lab.example)");
}

TEST(NameConstraints, ExcludedSubtreesWin) {
  const auto c = corp();
  auto secret = c.refusal(dns("a.secret.corp.example"));
  ASSERT_TRUE(secret);
  EXPECT_EQ(*secret,
            "the issuing CA's name constraints: inside the excluded subtree secret.corp.example "
            "of CN=Corp CA");
  // The wildcard would cover secret.corp.example.
  EXPECT_TRUE(c.refusal(dns("*.corp.example")));
  EXPECT_FALSE(c.refusal(dns("*.a.corp.example")));
  EXPECT_FALSE(c.refusal(dns("*.lab.example")));
}

TEST(NameConstraints, IpRanges) {
  const auto c = corp();
  EXPECT_FALSE(c.refusal(ip("10.1.2.3")));
  EXPECT_TRUE(c.refusal(ip("10.9.1.1")));
  EXPECT_TRUE(c.refusal(ip("192.0.2.1")));
  // Only the forms a set lists constrain: no iPAddress subtrees, any address.
  NameConstraints dns_only{{NameSubtrees{"CN=A", {"example.com"}, {}, {}, {}}}};
  EXPECT_FALSE(dns_only.refusal(ip("192.0.2.1")));
}

TEST(NameConstraints, EveryCertificateConstrains) {
  NameConstraints two{{NameSubtrees{"CN=Top", {"example.com"}, {}, {}, {}},
                       NameSubtrees{"CN=Below", {}, {"b.example.com"}, {}, {}}}};
  EXPECT_FALSE(two.refusal(dns("a.example.com")));
  EXPECT_TRUE(two.refusal(dns("b.example.com")));
  EXPECT_TRUE(two.refusal(dns("example.org")));
}

TEST(NameConstraints, TheIdentifierPolicyRefusesAtNewOrder) {
  IdentifierPolicyConfig cfg;
  cfg.issuer_constraints = corp();
  IdentifierPolicy policy(cfg);
  auto r = policy.check_order({dns("www.corp.example"), dns("www.example.org")});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, core::ProblemType::RejectedIdentifier);
  ASSERT_EQ(r.error().subproblems.size(), 1u);
  EXPECT_EQ(r.error().subproblems[0].identifier, dns("www.example.org"));
  EXPECT_TRUE(policy.check_order({dns("www.corp.example"), ip("10.0.0.1")}));
}

}  // namespace
}  // namespace signet::policy
