#include "validation/address_policy.hpp"

#include <gtest/gtest.h>

namespace signet::validation {
namespace {

boost::asio::ip::address A(const char* s) {
  return boost::asio::ip::make_address(s);
}

TEST(Cidr, ParsesAndMatches) {
  auto c = Cidr::parse("10.0.0.0/8");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->contains(A("10.1.2.3")));
  EXPECT_FALSE(c->contains(A("11.0.0.1")));
  EXPECT_FALSE(c->contains(A("::1")));
  EXPECT_TRUE(Cidr::parse("2001:db8::/32")->contains(A("2001:db8:1::5")));
  EXPECT_TRUE(Cidr::parse("192.0.2.7")->contains(A("192.0.2.7")));
  EXPECT_FALSE(Cidr::parse("10.0.0.0/33"));
  EXPECT_FALSE(Cidr::parse("nonsense/8"));
  EXPECT_FALSE(Cidr::parse("10.0.0.0/"));
}

TEST(AddressPolicy, DefaultDeniesLoopbackLinkLocalAndMetadata) {
  AddressPolicy p;
  for (const char* a : {"127.0.0.1", "::1", "169.254.169.254", "fe80::1", "fd00:ec2::254",
                        "0.0.0.0", "224.0.0.1", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(p.check(A(a)).has_value()) << a;
  }
  for (const char* a : {"10.0.0.1", "192.168.1.1", "172.16.0.1", "192.0.2.1", "2001:db8::1"}) {
    EXPECT_FALSE(p.check(A(a)).has_value()) << a;
  }
}

TEST(AddressPolicy, AllowOverridesAndDenyAdds) {
  AddressPolicy p({*Cidr::parse("127.0.0.0/8")}, {*Cidr::parse("10.0.0.0/8")});
  EXPECT_FALSE(p.check(A("127.0.0.1")).has_value());
  EXPECT_TRUE(p.check(A("::1")).has_value());
  EXPECT_TRUE(p.check(A("10.2.3.4")).has_value());
}

}  // namespace
}  // namespace signet::validation
