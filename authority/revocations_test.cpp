// The operator's revocations and the one recording path ACME revocation shares.
#include "authority/revocations.hpp"

#include "authority/test_fixture.hpp"

namespace signet::authority {
namespace {

using fixture::AuthorityTest;

TEST(RevocationReasons, OperatorAndSubscriberSets) {
  for (int r : {0, 1, 3, 4, 5, 9}) EXPECT_TRUE(check_reason(r, kOperatorReasons)) << r;
  for (int r : {-1, 2, 6, 7, 8, 10, 11}) {
    auto st = check_reason(r, kOperatorReasons);
    ASSERT_FALSE(st) << r;
    EXPECT_EQ(st.error().type, core::ProblemType::BadRevocationReason);
    EXPECT_NE(st.error().detail.find("0, 1, 3, 4, 5 or 9"), std::string::npos) << st.error().detail;
  }
  EXPECT_FALSE(check_reason(9, kSubscriberReasons));
  EXPECT_EQ(reason_from_text("keyCompromise"), 1);
  EXPECT_EQ(reason_from_text("9"), 9);
  EXPECT_EQ(reason_from_text("privilegeWithdrawn"), 9);
  for (const char* bad : {"", "key", "1x", " 1", "keycompromise"})
    EXPECT_FALSE(reason_from_text(bad)) << bad;
  EXPECT_EQ(reason_name(4), "superseded");
  EXPECT_EQ(reason_name(7), "7");
}

class RevocationsTest : public AuthorityTest {
 protected:
  Revocations revocations{*store, clock};
};

TEST_F(RevocationsTest, OneSerialMustBeRevocable) {
  auto a = account();
  auto c = issued(a, {"good.example"});
  auto r = run(revocations.revoke({{.serial = c.serial}, 1}));
  ASSERT_TRUE(r) << r.error().detail;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_TRUE((*r)[0].newly_revoked);
  EXPECT_EQ((*r)[0].certificate.revocation_reason, 1);
  EXPECT_EQ((*r)[0].certificate.revoked_at, core::from_unix(core::to_unix(clock.now())));

  auto again = run(revocations.revoke({{.serial = c.serial}, 4}));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().type, core::ProblemType::AlreadyRevoked);
  EXPECT_NE(again.error().detail.find("keyCompromise"), std::string::npos);
  auto unknown = run(revocations.revoke({{.serial = "0102"}, 1}));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().type, core::ProblemType::NotFound);
  auto bad_reason = run(revocations.revoke({{.serial = c.serial}, 2}));
  ASSERT_FALSE(bad_reason);
  EXPECT_EQ(bad_reason.error().type, core::ProblemType::BadRevocationReason);
}

TEST_F(RevocationsTest, AnAccountOrANameRevokesEachValidCertificate) {
  auto a = account();
  auto b = account();
  auto one = issued(a, {"good1.example"});
  auto two = issued(a, {"good2.example", "good1.example"});
  auto other = issued(b, {"good1.example"});
  ASSERT_TRUE(run(revocations.record(two.serial, 4, "a test")).value());
  EXPECT_FALSE(run(revocations.record(two.serial, 1, "a test")).value());  // once only

  auto by_account = run(revocations.revoke({{.account = a.id}, 5}));
  ASSERT_TRUE(by_account);
  ASSERT_EQ(by_account->size(), 1u);  // not the one revoked before
  EXPECT_EQ((*by_account)[0].certificate.serial, one.serial);
  EXPECT_EQ((*by_account)[0].certificate.revocation_reason, 5);

  auto by_name = run(revocations.revoke(
      {{.name = core::Identifier{core::IdentifierType::Dns, "good1.example"}}, 9}));
  ASSERT_TRUE(by_name);
  ASSERT_EQ(by_name->size(), 1u);
  EXPECT_EQ((*by_name)[0].certificate.serial, other.serial);
  // Nothing left: not an error.
  auto none = run(revocations.revoke({{.account = a.id}, 0}));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

// ACME revocation records through the same path: the operator then sees it revoked.
TEST_F(RevocationsTest, AcmeRevocationIsRecordedTheSameWay) {
  auto a = account();
  auto c = issued(a, {"good.example"});
  ASSERT_TRUE(run(authority.revoke({a, std::nullopt}, {c.der, 3})));
  auto r = run(revocations.revoke({{.serial = c.serial}, 1}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, core::ProblemType::AlreadyRevoked);
  EXPECT_NE(r.error().detail.find("affiliationChanged"), std::string::npos);
}

}  // namespace
}  // namespace signet::authority
