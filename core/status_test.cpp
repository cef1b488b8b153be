#include "core/status.hpp"
#include "core/error.hpp"

#include <gtest/gtest.h>

namespace signet::core {
namespace {

TEST(Status, NamesRoundTrip) {
  for (auto s : {OrderStatus::Pending, OrderStatus::Ready, OrderStatus::Processing,
                 OrderStatus::Valid, OrderStatus::Invalid}) {
    EXPECT_EQ(order_status_from_string(to_string(s)), s);
  }
  for (auto s : {AuthzStatus::Pending, AuthzStatus::Valid, AuthzStatus::Invalid,
                 AuthzStatus::Deactivated, AuthzStatus::Expired, AuthzStatus::Revoked}) {
    EXPECT_EQ(authz_status_from_string(to_string(s)), s);
  }
  EXPECT_EQ(to_string(ChallengeType::TlsAlpn01), "tls-alpn-01");
  EXPECT_FALSE(challenge_type_from_string("http-02").has_value());
  for (auto v : {PerspectiveVerdict::Valid, PerspectiveVerdict::Invalid,
                 PerspectiveVerdict::TimedOut, PerspectiveVerdict::NotAwaited}) {
    EXPECT_EQ(perspective_verdict_from_string(to_string(v)), v);
  }
  for (auto c :
       {CertificateStatus::Valid, CertificateStatus::Revoked, CertificateStatus::Expired}) {
    EXPECT_EQ(certificate_status_from_string(to_string(c)), c);
  }
  EXPECT_FALSE(certificate_status_from_string("Valid").has_value());
}

TEST(ProblemType, NamesMatchRfc8555) {
  EXPECT_EQ(problem_type_name(ProblemType::BadCsr), "badCSR");
  EXPECT_EQ(problem_type_name(ProblemType::NotFound), "malformed");
  EXPECT_EQ(problem_type_name(ProblemType::DeactivatedAccount), "unauthorized");
  EXPECT_EQ(problem_type_from_name("unauthorized"), ProblemType::Unauthorized);
  EXPECT_EQ(problem_type_from_name("rejectedIdentifier"), ProblemType::RejectedIdentifier);
  EXPECT_FALSE(problem_type_from_name("nope").has_value());
}

}  // namespace
}  // namespace signet::core

#include "core/ascii.hpp"

namespace signet::core {
namespace {

TEST(Ascii, LowersOnlyAsciiLetters) {
  EXPECT_EQ(ascii_lower("WwW.Example-1.COM"), "www.example-1.com");
  EXPECT_EQ(ascii_lower("\xc3\x9c"), "\xc3\x9c");  // bytes outside ASCII are left alone
}

}  // namespace
}  // namespace signet::core
