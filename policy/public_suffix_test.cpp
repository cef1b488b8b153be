#include "policy/public_suffix.hpp"

#include <gtest/gtest.h>

namespace signet::policy {
namespace {

TEST(PublicSuffix, KnowsIcannSuffixes) {
  EXPECT_TRUE(is_public_suffix("com"));
  EXPECT_TRUE(is_public_suffix("co.uk"));
  EXPECT_TRUE(is_public_suffix("xn--fiqs8s"));  // .中国
  EXPECT_FALSE(is_public_suffix("example.com"));
  EXPECT_FALSE(is_public_suffix("example.co.uk"));
}

TEST(PublicSuffix, PrivateSectionCounts) {
  EXPECT_TRUE(is_public_suffix("github.io"));
  EXPECT_FALSE(is_public_suffix("someone.github.io"));
}

TEST(PublicSuffix, WildcardAndExceptionRules) {
  // "*.kawasaki.jp" with the exception "!city.kawasaki.jp".
  EXPECT_TRUE(is_public_suffix("kawasaki.jp"));
  EXPECT_TRUE(is_public_suffix("x.kawasaki.jp"));
  EXPECT_FALSE(is_public_suffix("city.kawasaki.jp"));
}

TEST(PublicSuffix, UnknownTopLevelLabelsAreNotSuffixes) {
  for (const char* name :
       {"test", "example.test", "x.example.test", "internal", "corp.internal", "example"}) {
    EXPECT_FALSE(is_public_suffix(name)) << name;
  }
}

TEST(PublicSuffix, RegisteredDomain) {
  EXPECT_EQ(registered_domain("a.b.example.co.uk"), "example.co.uk");
  EXPECT_EQ(registered_domain("example.co.uk"), "example.co.uk");
  EXPECT_EQ(registered_domain("www.example.com"), "example.com");
  EXPECT_EQ(registered_domain("x.example.test"), "example.test");
  EXPECT_EQ(registered_domain("a.b.c.corp.internal"), "corp.internal");
  EXPECT_EQ(registered_domain("*.a.example.com"), "example.com");
  EXPECT_EQ(registered_domain("*.example.co.uk"), "example.co.uk");
  EXPECT_EQ(registered_domain("a.someone.github.io"), "someone.github.io");
  EXPECT_EQ(registered_domain("co.uk"), "co.uk");
  EXPECT_EQ(registered_domain("com"), "com");
  EXPECT_EQ(registered_domain("*.co.uk"), "co.uk");
}

}  // namespace
}  // namespace signet::policy
