#include "policy/external_account.hpp"

#include <gtest/gtest.h>

namespace signet::policy {
namespace {

using core::Identifier;
using core::IdentifierType;
using core::ProblemType;
using namespace std::chrono_literals;
const core::TimePoint kNow = core::from_unix(1'800'000'000);

Identifier dns(const std::string& n) {
  return {IdentifierType::Dns, n};
}

core::EabKey key() {
  core::EabKey k;
  k.kid = "team-a";
  k.allowed_domains = {"a.example", "shared.example"};
  k.prevalidated_domains = {"corp.a.example"};
  return k;
}

TEST(ExternalAccountPolicy, NamesMustBeUnderTheKeysDomains) {
  const auto k = key();
  EXPECT_TRUE(check_key_names(
      k, {dns("a.example"), dns("www.a.example"), dns("*.a.example"), dns("x.y.shared.example")}));
  auto refused = check_key_names(k, {dns("www.a.example"),
                                     dns("xa.example"),
                                     dns("b.example"),
                                     {IdentifierType::Ip, "10.0.0.1"}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().type, ProblemType::RejectedIdentifier);
  ASSERT_EQ(refused.error().subproblems.size(), 3u);
  EXPECT_EQ(refused.error().subproblems[0].identifier, dns("xa.example"));
  EXPECT_NE(refused.error().subproblems[0].detail.find("external account key team-a"),
            std::string::npos);
  EXPECT_EQ(refused.error().subproblems[2].identifier->type, IdentifierType::Ip);
  auto one = check_key_names(k, {dns("b.example")});
  ASSERT_FALSE(one);
  EXPECT_EQ(one.error().detail, one.error().subproblems.at(0).detail);

  core::EabKey any = k;
  any.allowed_domains.clear();
  EXPECT_TRUE(check_key_names(any, {dns("b.example"), {IdentifierType::Ip, "10.0.0.1"}}));
}

TEST(ExternalAccountPolicy, ProfilesAreTheKeysOrAny) {
  core::EabKey k = key();
  EXPECT_TRUE(check_key_profile(k, "default"));
  k.profiles = {"tls-server", "short"};
  EXPECT_TRUE(check_key_profile(k, "short"));
  auto refused = check_key_profile(k, "default");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().type, ProblemType::InvalidProfile);
  EXPECT_NE(refused.error().detail.find("\"default\""), std::string::npos);
  EXPECT_NE(refused.error().detail.find("tls-server, short"), std::string::npos);
}

TEST(ExternalAccountPolicy, ValidityIsCheckedAndCapped) {
  core::EabKey k = key();
  const Validity long_one{kNow, kNow + std::chrono::hours(24 * 90)};
  EXPECT_TRUE(check_key_validity(k, long_one));
  EXPECT_EQ(cap_key_validity(k, long_one).not_after, long_one.not_after);
  k.max_validity = std::chrono::hours(24 * 7);
  auto refused = check_key_validity(k, long_one);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().type, ProblemType::Malformed);
  EXPECT_NE(refused.error().detail.find("7 days the external account key team-a allows"),
            std::string::npos);
  EXPECT_TRUE(check_key_validity(k, {kNow, kNow + std::chrono::hours(24 * 7)}));
  const auto capped = cap_key_validity(k, long_one);
  EXPECT_EQ(capped.not_before, kNow);
  EXPECT_EQ(capped.not_after, kNow + std::chrono::hours(24 * 7));
  EXPECT_EQ(cap_key_validity(k, {kNow, kNow + 1h}).not_after, kNow + 1h);
}

TEST(ExternalAccountPolicy, PrevalidatesNamesUnderItsDomainsOnly) {
  const auto k = key();
  EXPECT_TRUE(key_prevalidates(k, dns("corp.a.example")));
  EXPECT_TRUE(key_prevalidates(k, dns("x.corp.a.example")));
  EXPECT_TRUE(key_prevalidates(k, dns("*.corp.a.example")));
  EXPECT_FALSE(key_prevalidates(k, dns("xcorp.a.example")));
  EXPECT_FALSE(key_prevalidates(k, dns("a.example")));
  EXPECT_FALSE(key_prevalidates(k, dns("*.a.example")));  // covers more than corp.a.example
  EXPECT_FALSE(key_prevalidates(k, {IdentifierType::Ip, "10.0.0.1"}));
}

TEST(ExternalAccountPolicy, KeyDomainsAreNormalized) {
  std::vector<std::string> d = {"Corp.Example.", "a.example", "corp.example"};
  ASSERT_TRUE(normalize_key_domains("prevalidated domains", d));
  EXPECT_EQ(d, (std::vector<std::string>{"a.example", "corp.example"}));
  std::vector<std::string> bad = {"*.corp.example"};
  auto st = normalize_key_domains("prevalidated domains", bad);
  ASSERT_FALSE(st);
  EXPECT_TRUE(st.error().detail.starts_with("prevalidated domains: \"*.corp.example\""))
      << st.error().detail;
}

}  // namespace
}  // namespace signet::policy
