// Issuance refused by the pre-issuance lint: the order ends invalid, nothing is signed.
#include "authority/test_fixture.hpp"

namespace signet::authority {
namespace {

using fixture::AuthorityTest;
using fixture::IdentifierType;
using fixture::OrderStatus;
using fixture::ProblemType;

TEST_F(AuthorityTest, ACertificateTheLintRefusesEndsItsOrderInvalid) {
  // A profile whose certificate half allows less than its policy half issues: every
  // certificate it builds exceeds the lint's maximum validity.
  auto bad = std::make_shared<Rules>(*rules());
  auto& p = bad->profiles.at("tlsserver");
  p.certificate.max_validity = std::chrono::hours(1);
  authority.set_rules(bad);

  auto a = account();
  auto o = order(a, {"good.example"});
  validate_all(a, o);
  auto key = testing::make_key("p256");
  auto done = run(authority.finalize(
      a, o.id, testing::make_csr(key.get(), {{IdentifierType::Dns, "good.example"}})));
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().type, ProblemType::ServerInternal);
  // The finding goes to the log, not to the client.
  EXPECT_EQ(done.error().detail.find("lint"), std::string::npos) << done.error().detail;
  auto after = run(authority.order(a, o.id));
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, OrderStatus::Invalid);
  ASSERT_TRUE(after->error);
  EXPECT_EQ(after->error->type, ProblemType::ServerInternal);
  EXPECT_FALSE(after->certificate_serial);
  EXPECT_TRUE(run(store->certificates({.now = clock.now()}))->empty());
}

}  // namespace
}  // namespace signet::authority
