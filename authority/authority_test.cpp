#include "authority/authority.hpp"

#include <gtest/gtest.h>

#include "authority/test_fixture.hpp"

namespace signet::authority {
namespace {

using core::IdentifierType;
using core::OrderStatus;
using core::ProblemType;
using namespace std::chrono_literals;
using fixture::AuthorityTest;

TEST_F(AuthorityTest, OrderBecomesReadyThenValidAndReusesAuthorizations) {
  auto a = account();
  auto o = order(a, {"good.example", "good2.example"});
  EXPECT_EQ(o.status, OrderStatus::Pending);
  validate_all(a, o);
  auto ready = run(authority.order(a, o.id));
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, OrderStatus::Ready);

  auto key = testing::make_key("p256");
  const std::string csr = testing::make_csr(
      key.get(), {{IdentifierType::Dns, "good.example"}, {IdentifierType::Dns, "good2.example"}});
  auto done = run(authority.finalize(a, o.id, csr));
  ASSERT_TRUE(done) << done.error().detail;
  EXPECT_EQ(done->status, OrderStatus::Valid);
  ASSERT_TRUE(done->certificate_serial);
  auto cert = run(authority.certificate(a, *done->certificate_serial));
  ASSERT_TRUE(cert);
  EXPECT_EQ(cert->not_after - cert->not_before, std::chrono::hours(24 * 90));

  // A second order for the same name reuses the valid authorization: ready at once.
  auto again = order(a, {"good.example"});
  EXPECT_EQ(again.status, OrderStatus::Ready);
}

TEST_F(AuthorityTest, FailedValidationMakesTheOrderInvalid) {
  auto a = account();
  auto o = order(a, {"good.example", "bad.example"});
  validate_all(a, o);
  auto now = run(authority.order(a, o.id));
  ASSERT_TRUE(now);
  EXPECT_EQ(now->status, OrderStatus::Invalid);
  auto key = testing::make_key("p256");
  auto fin = run(authority.finalize(
      a, o.id, testing::make_csr(key.get(), {{IdentifierType::Dns, "good.example"}})));
  ASSERT_FALSE(fin);
  EXPECT_EQ(fin.error().type, ProblemType::OrderNotReady);
}

TEST_F(AuthorityTest, CaaIsCheckedWithValidationAndRecheckedWhenStale) {
  auto a = account();
  auto denied = order(a, {"goodname.caa-denied.example"});
  validate_all(a, denied);
  auto z = run(authority.authorization(a, denied.authorizations[0].id));
  EXPECT_EQ(z->status, core::AuthzStatus::Invalid);
  ASSERT_TRUE(z->challenges[0].error);
  EXPECT_EQ(z->challenges[0].error->type, ProblemType::Caa);

  // Valid, then finalized after the recheck age: CAA is looked up again and passes.
  auto o = order(a, {"good.example"});
  validate_all(a, o);
  clock.advance(std::chrono::hours(9));
  auto key = testing::make_key("p256");
  auto done = run(authority.finalize(
      a, o.id, testing::make_csr(key.get(), {{IdentifierType::Dns, "good.example"}})));
  EXPECT_TRUE(done) << done.error().detail;
}

TEST_F(AuthorityTest, OrdersExpireWithTheClock) {
  auto a = account();
  auto o = order(a, {"good.example"});
  clock.advance(std::chrono::hours(24 * 8));
  auto later = run(authority.order(a, o.id));
  ASSERT_TRUE(later);
  EXPECT_EQ(later->status, OrderStatus::Invalid);
  auto z = run(authority.authorization(a, o.authorizations[0].id));
  EXPECT_EQ(z->status, core::AuthzStatus::Expired);
  auto ch = run(authority.respond_to_challenge(a, z->id, z->challenges[0].id));
  ASSERT_FALSE(ch);
}

TEST_F(AuthorityTest, BadCsrLeavesTheOrderReady) {
  auto a = account();
  auto o = order(a, {"good.example"});
  validate_all(a, o);
  auto key = testing::make_key("p256");
  auto fin = run(authority.finalize(
      a, o.id, testing::make_csr(key.get(), {{IdentifierType::Dns, "other.example"}})));
  ASSERT_FALSE(fin);
  EXPECT_EQ(fin.error().type, ProblemType::BadCsr);
  EXPECT_EQ(run(authority.order(a, o.id))->status, OrderStatus::Ready);
}

TEST_F(AuthorityTest, OthersCannotSeeOrRevoke) {
  auto a = account();
  auto b = account();
  auto o = order(a, {"good.example"});
  auto seen = run(authority.order(b, o.id));
  ASSERT_FALSE(seen);
  EXPECT_EQ(seen.error().type, ProblemType::NotFound);
  const auto authz_id = o.authorizations[0].id;
  auto mine = run(authority.authorization(a, authz_id));
  ASSERT_TRUE(mine);
  EXPECT_TRUE(run(authority.challenge(a, authz_id, mine->challenges[0].id)));
  EXPECT_EQ(run(authority.challenge(b, authz_id, mine->challenges[0].id)).error().type,
            ProblemType::NotFound);
  EXPECT_EQ(run(authority.challenge(a, authz_id, core::ChallengeId{"nope"})).error().type,
            ProblemType::NotFound);
  validate_all(a, o);
  auto key = testing::make_key("p256");
  auto done = run(authority.finalize(
      a, o.id, testing::make_csr(key.get(), {{IdentifierType::Dns, "good.example"}})));
  ASSERT_TRUE(done);
  auto cert = run(authority.certificate(a, *done->certificate_serial));
  ASSERT_TRUE(cert);
  auto not_theirs = run(authority.certificate(b, *done->certificate_serial));
  ASSERT_FALSE(not_theirs);
  EXPECT_EQ(not_theirs.error().type, ProblemType::NotFound);
  RevocationRequester other{b, std::nullopt};
  RevocationRequest p{cert->der, 4};
  auto r = run(authority.revoke(other, p));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, ProblemType::Unauthorized);
  // b proves control of the name: now it may revoke.
  auto ob = order(b, {"good.example"});
  validate_all(b, ob);
  EXPECT_TRUE(run(authority.revoke(other, p)));
  auto twice = run(authority.revoke(other, p));
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().type, ProblemType::AlreadyRevoked);
}

// Over a limit: rateLimited with Retry-After and a detail naming the limit.
void expect_limited(const core::Error& e, const std::string& limit) {
  EXPECT_EQ(e.type, ProblemType::RateLimited) << e.detail;
  EXPECT_NE(e.detail.find(limit), std::string::npos) << e.detail;
  ASSERT_TRUE(e.retry_after);
  EXPECT_GT(e.retry_after->count(), 0);
}

TEST_F(AuthorityTest, NewOrdersPerAccountIsLimitedAndFreesWithTime) {
  Limits l;
  l.new_orders_per_account = *policy::parse_rate("2/1h");
  authority.set_rules(rules(l));
  auto a = account();
  auto b = account();
  order(a, {"good1.example"});
  order(a, {"good2.example"});
  NewOrderRequest third;
  third.identifiers = {{IdentifierType::Dns, "good3.example"}};
  auto r = run(authority.new_order(a, third));
  ASSERT_FALSE(r);
  expect_limited(r.error(), "new_orders_per_account (2/1h)");
  EXPECT_LE(r.error().retry_after->count(), 30 * 60);
  EXPECT_TRUE(run(authority.new_order(b, third)));  // another account's bucket
  clock.advance(std::chrono::minutes(31));          // one order per half hour
  EXPECT_TRUE(run(authority.new_order(a, third)));
  EXPECT_FALSE(run(authority.new_order(a, third)));

  // An override gives one account more.
  auto overrides = std::make_shared<Rules>(*rules(l));
  overrides->account_limits[a.id.value].new_orders_per_account = *policy::parse_rate("100/1h");
  authority.set_rules(overrides);
  EXPECT_TRUE(run(authority.new_order(a, third)));
}

TEST_F(AuthorityTest, FailedValidationsOfANameAreLimited) {
  Limits l;
  l.failed_validations_per_account_name = *policy::parse_rate("1/1h");
  authority.set_rules(rules(l));
  auto a = account();
  auto o = order(a, {"bad.example"});
  validate_all(a, o);
  NewOrderRequest again;
  again.identifiers = {{IdentifierType::Dns, "bad.example"}};
  auto r = run(authority.new_order(a, again));
  ASSERT_FALSE(r);
  expect_limited(r.error(), "failed_validations_per_account_name");
  EXPECT_NE(r.error().detail.find("bad.example"), std::string::npos);
  EXPECT_TRUE(run(authority.new_order(account(), again)));  // per account
  order(a, {"good.example"});                               // per name
  clock.advance(std::chrono::minutes(61));
  EXPECT_TRUE(run(authority.new_order(a, again)));
}

TEST_F(AuthorityTest, CertificatesPerDomainCountsIssuanceAndExemptsRenewals) {
  Limits l;
  l.certificates_per_domain = *policy::parse_rate("1/168h");
  authority.set_rules(rules(l));
  auto a = account();
  auto o = order(a, {"good1.shop.example"});
  validate_all(a, o);
  auto key = testing::make_key("p256");
  auto done = run(authority.finalize(
      a, o.id, testing::make_csr(key.get(), {{IdentifierType::Dns, "good1.shop.example"}})));
  ASSERT_TRUE(done) << done.error().detail;

  // Another name under the same registered domain, from any account: refused at newOrder.
  NewOrderRequest other;
  other.identifiers = {{IdentifierType::Dns, "good2.shop.example"}};
  auto r = run(authority.new_order(account(), other));
  ASSERT_FALSE(r);
  expect_limited(r.error(), "certificates_per_domain");
  EXPECT_NE(r.error().detail.find("shop.example"), std::string::npos);

  // The same set of names again is a renewal: ordered and issued.
  auto renewal = order(a, {"good1.shop.example"});
  validate_all(a, renewal);
  auto renewed = run(authority.finalize(
      a, renewal.id, testing::make_csr(key.get(), {{IdentifierType::Dns, "good1.shop.example"}})));
  EXPECT_TRUE(renewed) << renewed.error().detail;
}

TEST_F(AuthorityTest, PendingAuthorizationsPerAccountAreCapped) {
  Limits l;
  l.pending_authorizations_per_account = 2;
  authority.set_rules(rules(l));
  auto a = account();
  order(a, {"good1.example"});
  NewOrderRequest two;
  two.identifiers = {{IdentifierType::Dns, "good2.example"},
                     {IdentifierType::Dns, "good3.example"}};
  auto r = run(authority.new_order(a, two));
  ASSERT_FALSE(r);
  expect_limited(r.error(), "pending_authorizations_per_account (2)");
  two.identifiers.pop_back();
  EXPECT_TRUE(run(authority.new_order(a, two)));
}

TEST_F(AuthorityTest, NewAccountsPerAddressAreLimited) {
  Limits l;
  l.new_accounts_per_ip = *policy::parse_rate("1/3h");
  authority.set_rules(rules(l));
  NewAccountRequest p;
  p.client_ip = "192.0.2.7";
  auto k1 = testing::make_key("p256"), k2 = testing::make_key("p256");
  EXPECT_TRUE(run(authority.new_account(testing::public_key(k1.get()), p)));
  // The same key again is the existing account, not a new one.
  EXPECT_TRUE(run(authority.new_account(testing::public_key(k1.get()), p)));
  auto r = run(authority.new_account(testing::public_key(k2.get()), p));
  ASSERT_FALSE(r);
  expect_limited(r.error(), "new_accounts_per_ip");
  p.client_ip = "192.0.2.8";
  EXPECT_TRUE(run(authority.new_account(testing::public_key(k2.get()), p)));
}

// New rules apply to the next request: a name allowed before is refused after.
TEST_F(AuthorityTest, NewRulesApplyToTheNextRequest) {
  auto a = account();
  auto o = order(a, {"good.corp.example"});
  validate_all(a, o);
  policy::IdentifierPolicyConfig names;
  names.allowed_domains = {"lab.example"};
  authority.set_rules(rules({}, names));
  NewOrderRequest p;
  p.identifiers = {{IdentifierType::Dns, "good.corp.example"}};
  auto r = run(authority.new_order(a, p));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, ProblemType::RejectedIdentifier);
  EXPECT_NE(r.error().detail.find("not under an allowed domain"), std::string::npos);
  // An order made before is not finalized under the new rules either.
  auto key = testing::make_key("p256");
  auto fin = run(authority.finalize(
      a, o.id, testing::make_csr(key.get(), {{IdentifierType::Dns, "good.corp.example"}})));
  ASSERT_FALSE(fin);
  EXPECT_EQ(fin.error().type, ProblemType::RejectedIdentifier);
  EXPECT_EQ(run(authority.order(a, o.id))->status, OrderStatus::Ready);
}

}  // namespace
}  // namespace signet::authority
