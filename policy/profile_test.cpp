#include "policy/profile.hpp"

#include <gtest/gtest.h>

#include "tests/support/crypto.hpp"

namespace signet::policy {
namespace {

using namespace std::chrono_literals;
const core::TimePoint kNow = core::from_unix(1'800'000'000);

TEST(Profile, DefaultsToNinetyDaysBackdated) {
  auto v = resolve_validity(Profile{}, std::nullopt, std::nullopt, kNow);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->not_before, kNow - 1h);
  EXPECT_EQ(v->not_after - v->not_before, std::chrono::hours(24 * 90));
}

TEST(Profile, HonoursRequestsWithinLimits) {
  auto v = resolve_validity(Profile{}, kNow + 1h, kNow + 48h, kNow);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->not_before, kNow + 1h);
  EXPECT_EQ(v->not_after, kNow + 48h);
  EXPECT_FALSE(resolve_validity(Profile{}, kNow, kNow + std::chrono::hours(24 * 101), kNow));
  EXPECT_FALSE(resolve_validity(Profile{}, kNow + 48h, kNow + 24h, kNow));
  EXPECT_FALSE(resolve_validity(Profile{}, std::nullopt, kNow - 1s, kNow));
  EXPECT_FALSE(resolve_validity(Profile{}, kNow - 48h, std::nullopt, kNow));
  EXPECT_FALSE(resolve_validity(Profile{}, kNow + std::chrono::hours(24 * 30), std::nullopt, kNow));
}

TEST(Profile, NamesUsages) {
  EXPECT_EQ(extended_key_usage_from_name("serverAuth"), ExtendedKeyUsage::ServerAuth);
  EXPECT_EQ(extended_key_usage_from_name("clientAuth"), ExtendedKeyUsage::ClientAuth);
  EXPECT_FALSE(extended_key_usage_from_name("codeSigning"));
  EXPECT_EQ(key_usage_from_name("digitalSignature"), KeyUsage::DigitalSignature);
  EXPECT_EQ(key_usage_from_name("keyEncipherment"), KeyUsage::KeyEncipherment);
  EXPECT_FALSE(key_usage_from_name("keyCertSign"));
}

TEST(Profile, ShortMaximumsAreStatedInHours) {
  Profile p;
  p.name = "shortlived";
  p.default_validity = p.max_validity = std::chrono::hours(160);
  auto v = resolve_validity(p, std::nullopt, kNow + std::chrono::hours(200), kNow);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().detail,
            "the requested validity exceeds the maximum of 160 hours of profile shortlived");
}

TEST(Profile, ChecksWhoMayUseIt) {
  Profile p;
  EXPECT_TRUE(check_profile_user(p, {"a1", std::nullopt}));
  p.accounts = {"a1"};
  EXPECT_TRUE(check_profile_user(p, {"a1", std::nullopt}));
  auto other = check_profile_user(p, {"a2", std::nullopt});
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().type, core::ProblemType::InvalidProfile);
  p.accounts.clear();
  p.eab_keys = {"team-a"};
  EXPECT_TRUE(check_profile_user(p, {"a1", std::string("team-a")}));
  EXPECT_FALSE(check_profile_user(p, {"a1", std::string("team-b")}));
  EXPECT_FALSE(check_profile_user(p, {"a1", std::nullopt}));
}

TEST(Profile, ChecksIdentifierTypesAndCount) {
  Profile p;
  p.identifier_types = {core::IdentifierType::Dns};
  const std::vector<core::Identifier> ids = {{core::IdentifierType::Dns, "a.example"},
                                             {core::IdentifierType::Ip, "192.0.2.1"},
                                             {core::IdentifierType::Ip, "2001:db8::1"}};
  auto r = check_profile_identifiers(p, ids);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, core::ProblemType::RejectedIdentifier);
  ASSERT_EQ(r.error().subproblems.size(), 2u);
  EXPECT_EQ(r.error().subproblems[0].identifier, ids[1]);
  EXPECT_EQ(r.error().subproblems[1].identifier, ids[2]);
  p.identifier_types = {core::IdentifierType::Dns, core::IdentifierType::Ip};
  EXPECT_TRUE(check_profile_identifiers(p, ids));
  p.max_identifiers = 2;
  EXPECT_FALSE(check_profile_identifiers(p, ids));
  p.max_identifiers = 3;
  EXPECT_TRUE(check_profile_identifiers(p, ids));
}

TEST(Profile, ChecksKeyTypes) {
  Profile p;
  auto p256 = testing::make_key("p256");
  auto rsa = testing::make_key("rsa2048");
  EXPECT_TRUE(check_profile_key(p, p256.get()));
  p.key_types = {KeyType::P256, KeyType::P384};
  EXPECT_TRUE(check_profile_key(p, p256.get()));
  auto r = check_profile_key(p, rsa.get());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, core::ProblemType::BadCsr);
  EXPECT_EQ(r.error().detail, "CSR key refused: profile tlsserver certifies p256, p384 keys only");
}

TEST(Profile, UnknownProfileListsTheOffered) {
  auto e = unknown_profile("gold", {"shortlived", "tlsserver"});
  EXPECT_EQ(e.type, core::ProblemType::InvalidProfile);
  EXPECT_EQ(e.detail, "Profile \"gold\" is not offered; offered: shortlived, tlsserver");
}

}  // namespace
}  // namespace signet::policy
