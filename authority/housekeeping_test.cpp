#include "authority/housekeeping.hpp"

#include <gtest/gtest.h>

#include "authority/test_fixture.hpp"

namespace signet::authority {
namespace {

using namespace std::chrono_literals;

class HousekeepingTest : public fixture::AuthorityTest {
 protected:
  Housekeeping housekeeping{*store, clock, {24h * 30, 1h, 2, 100}};
};

TEST_F(HousekeepingTest, ExpiredOrdersWithoutCertificatesGoTheIssuedStay) {
  auto a = account();
  // Three orders left pending (batches of two: the purge takes more than one), one
  // failed validation, one issued.
  std::vector<core::Order> abandoned;
  for (int i = 0; i < 3; ++i) abandoned.push_back(order(a, {"abandoned" + std::to_string(i) + ".example"}));
  auto failed = order(a, {"failed.example"});
  validate_all(a, failed);
  auto issued = order(a, {"good.example"});
  validate_all(a, issued);
  auto key = testing::make_key("p256");
  auto done = run(authority.finalize(
      a, issued.id, testing::make_csr(key.get(), {{core::IdentifierType::Dns, "good.example"}})));
  ASSERT_TRUE(done) << done.error().detail;

  // Within the retention: nothing goes.
  clock.advance(24h * 30);
  auto none = run(housekeeping.purge());
  ASSERT_TRUE(none) << none.error().detail;
  EXPECT_EQ(none->orders, 0u);
  EXPECT_EQ(none->authorizations, 0u);

  // Past the order lifetime (7 days) and the valid authorization lifetime (30 days),
  // and then 30 more.
  clock.advance(24h * 31);
  auto purged = run(housekeeping.purge());
  ASSERT_TRUE(purged) << purged.error().detail;
  EXPECT_EQ(purged->orders, 4u);
  EXPECT_EQ(purged->authorizations, 4u);
  for (const auto& o : abandoned) {
    auto gone = run(authority.order(a, o.id));
    ASSERT_FALSE(gone);
    EXPECT_EQ(gone.error().type, core::ProblemType::NotFound);
  }
  EXPECT_FALSE(run(authority.order(a, failed.id)));
  // The certificate, its order and its authorization stay.
  auto kept = run(authority.order(a, issued.id));
  ASSERT_TRUE(kept) << kept.error().detail;
  EXPECT_TRUE(kept->certificate_serial);
  EXPECT_TRUE(run(authority.authorization(a, kept->authorizations.at(0).id)));
  EXPECT_TRUE(run(authority.certificate(a, *kept->certificate_serial)));
  auto again = run(housekeeping.purge());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->orders + again->authorizations, 0u);
}

TEST_F(HousekeepingTest, ZeroKeepsEverything) {
  Housekeeping never{*store, clock, {core::Seconds(0)}};
  auto a = account();
  auto o = order(a, {"abandoned.example"});
  clock.advance(24h * 400);
  auto n = run(never.purge());
  ASSERT_TRUE(n);
  EXPECT_EQ(n->orders, 0u);
  EXPECT_TRUE(run(authority.order(a, o.id)));
}

}  // namespace
}  // namespace signet::authority
