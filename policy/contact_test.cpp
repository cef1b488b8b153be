#include "policy/contact.hpp"

#include <gtest/gtest.h>

namespace signet::policy {
namespace {

TEST(Contacts, AcceptsMailto) {
  EXPECT_TRUE(check_contacts({}));
  EXPECT_TRUE(check_contacts({"mailto:admin@example.com", "mailto:a.b+c@sub.example.org"}));
}

TEST(Contacts, RefusesOtherSchemesAndBadAddresses) {
  EXPECT_EQ(check_contacts({"tel:+1555"}).error().type, core::ProblemType::UnsupportedContact);
  for (const char* bad : {"mailto:", "mailto:noat", "mailto:a@b", "mailto:a@b.com?subject=x",
                          "mailto:a@b.com,c@d.com", "mailto:a b@c.com", "mailto:a@@b.com"}) {
    auto r = check_contacts({bad});
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().type, core::ProblemType::InvalidContact) << bad;
  }
  EXPECT_FALSE(check_contacts(std::vector<std::string>(11, "mailto:a@b.com")));
}

}  // namespace
}  // namespace signet::policy
