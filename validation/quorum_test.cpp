#include "validation/quorum.hpp"

#include <gtest/gtest.h>

namespace signet::validation {
namespace {

TEST(Quorum, BaselineRequirementsTable) {
  EXPECT_EQ(max_remote_failures(0), 0u);
  EXPECT_EQ(max_remote_failures(1), 0u);
  EXPECT_EQ(max_remote_failures(2), 1u);
  EXPECT_EQ(max_remote_failures(5), 1u);
  EXPECT_EQ(max_remote_failures(6), 2u);
  EXPECT_EQ(max_remote_failures(20), 2u);
}

TEST(Quorum, PrimaryMustPass) {
  EXPECT_EQ(decide({true, false, 3, 3, 0}, 1), Verdict::Fail);
  EXPECT_EQ(decide({false, false, 3, 3, 0}, 1), Verdict::Undecided);
  EXPECT_EQ(decide({true, true, 0, 0, 0}, 0), Verdict::Pass);
}

TEST(Quorum, DecidesAsSoonAsItCan) {
  // 3 remotes, 1 failure allowed.
  EXPECT_EQ(decide({true, true, 3, 1, 0}, 1), Verdict::Undecided);
  EXPECT_EQ(decide({true, true, 3, 2, 0}, 1), Verdict::Pass);  // the third cannot change it
  EXPECT_EQ(decide({true, true, 3, 2, 1}, 1), Verdict::Pass);
  EXPECT_EQ(decide({true, true, 3, 1, 1}, 1), Verdict::Undecided);
  EXPECT_EQ(decide({false, false, 3, 0, 2}, 1), Verdict::Fail);  // no need to wait for the primary
  EXPECT_EQ(decide({true, true, 3, 1, 2}, 1), Verdict::Fail);
}

}  // namespace
}  // namespace signet::validation
