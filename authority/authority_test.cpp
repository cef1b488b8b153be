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

// Profiles: each order carries one (the default when it names none), its certificate is
// built and recorded under it, and unknown or withdrawn profiles are `invalidProfile`.
TEST_F(AuthorityTest, OrdersAndCertificatesCarryTheirProfile) {
  auto a = account();
  NewOrderRequest p;
  p.identifiers = {{IdentifierType::Dns, "good.example"}};
  auto plain = run(authority.new_order(a, p));
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->profile, "tlsserver");
  validate_all(a, *plain);

  p.profile = "nonesuch";
  auto unknown = run(authority.new_order(a, p));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().type, ProblemType::InvalidProfile);
  EXPECT_NE(unknown.error().detail.find("shortlived, tlsclient, tlsserver"), std::string::npos)
      << unknown.error().detail;

  p.profile = "shortlived";
  auto o = run(authority.new_order(a, p));
  ASSERT_TRUE(o);
  EXPECT_EQ(o->profile, "shortlived");
  // The authorization validated for the first order is fresh: shortlived reuses it.
  EXPECT_EQ(o->authorizations.front().id, plain->authorizations.front().id);
  EXPECT_EQ(o->status, OrderStatus::Ready);
  auto key = testing::make_key("p256");
  auto done = run(authority.finalize(
      a, o->id, testing::make_csr(key.get(), {{IdentifierType::Dns, "good.example"}})));
  ASSERT_TRUE(done) << done.error().detail;
  auto cert = run(authority.certificate(a, *done->certificate_serial));
  ASSERT_TRUE(cert);
  EXPECT_EQ(cert->profile, "shortlived");
  EXPECT_EQ(cert->not_after - cert->not_before, std::chrono::hours(160));

  // Longer than the profile allows.
  p.not_after = clock.now() + std::chrono::hours(24 * 30);
  auto too_long = run(authority.new_order(a, p));
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().type, ProblemType::Malformed);
  EXPECT_NE(too_long.error().detail.find("160 hours of profile shortlived"), std::string::npos)
      << too_long.error().detail;
}

TEST_F(AuthorityTest, ClientProfileCertifiesClientAuthOnly) {
  auto a = account();
  NewOrderRequest p;
  p.identifiers = {{IdentifierType::Dns, "good-device.example"}};
  p.profile = "tlsclient";
  auto o = run(authority.new_order(a, p));
  ASSERT_TRUE(o);
  validate_all(a, *o);
  auto key = testing::make_key("rsa2048");
  auto done = run(authority.finalize(
      a, o->id, testing::make_csr(key.get(), {{IdentifierType::Dns, "good-device.example"}})));
  ASSERT_TRUE(done) << done.error().detail;
  auto cert = run(authority.certificate(a, *done->certificate_serial));
  ASSERT_TRUE(cert);
  const auto* der = reinterpret_cast<const unsigned char*>(cert->der.data());
  core::ossl::X509Ptr x(d2i_X509(nullptr, &der, static_cast<long>(cert->der.size())));
  ASSERT_TRUE(x);
  EXPECT_EQ(X509_check_purpose(x.get(), X509_PURPOSE_SSL_CLIENT, 0), 1);
  EXPECT_NE(X509_check_purpose(x.get(), X509_PURPOSE_SSL_SERVER, 0), 1);
  EXPECT_EQ(X509_get_key_usage(x.get()), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
}

TEST_F(AuthorityTest, ProfileRulesOnIdentifiersKeysAccountsAndReuse) {
  auto a = account();
  auto b = account();
  auto restricted = [&](auto change) {
    Rules r = *rules();
    policy::Profile p = r.profiles.at("tlsserver").policy;
    change(p);
    r.profiles.insert_or_assign("tlsserver", ProfileRules{p, ca::certificate_profile(p)});
    authority.set_rules(std::make_shared<const Rules>(std::move(r)));
  };
  NewOrderRequest ip;
  ip.identifiers = {{IdentifierType::Dns, "good.example"}, {IdentifierType::Ip, "192.0.2.7"}};
  restricted([](policy::Profile& p) { p.identifier_types = {IdentifierType::Dns}; });
  auto r = run(authority.new_order(a, ip));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, ProblemType::RejectedIdentifier);
  ASSERT_EQ(r.error().subproblems.size(), 1u);
  EXPECT_EQ(r.error().subproblems[0].identifier->value, "192.0.2.7");

  restricted([](policy::Profile& p) { p.max_identifiers = 1; });
  r = run(authority.new_order(a, ip));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("at most 1 identifiers"), std::string::npos) << r.error().detail;

  restricted([&](policy::Profile& p) { p.accounts = {b.id.value}; });
  NewOrderRequest one;
  one.identifiers = {{IdentifierType::Dns, "good.example"}};
  r = run(authority.new_order(a, one));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, ProblemType::InvalidProfile);
  auto o = run(authority.new_order(b, one));
  ASSERT_TRUE(o) << o.error().detail;
  validate_all(b, *o);

  // Only P-384 keys, and no reuse of authorizations validated more than an hour ago.
  restricted([&](policy::Profile& p) {
    p.accounts = {b.id.value};
    p.key_types = {policy::KeyType::P384};
    p.authorization_reuse = std::chrono::hours(1);
  });
  auto key = testing::make_key("p256");
  auto fin = run(authority.finalize(
      b, o->id, testing::make_csr(key.get(), {{IdentifierType::Dns, "good.example"}})));
  ASSERT_FALSE(fin);
  EXPECT_EQ(fin.error().type, ProblemType::BadCsr);
  EXPECT_NE(fin.error().detail.find("p384"), std::string::npos) << fin.error().detail;
  EXPECT_EQ(run(authority.order(b, o->id))->status, OrderStatus::Ready);
  EXPECT_EQ(run(authority.new_order(b, one))->status, OrderStatus::Ready);
  clock.advance(std::chrono::hours(2));
  EXPECT_EQ(run(authority.new_order(b, one))->status, OrderStatus::Pending);

  // Withdrawn between the order and its finalization.
  Rules without = *rules();
  without.profiles.erase("tlsserver");
  without.default_profile = "shortlived";
  authority.set_rules(std::make_shared<const Rules>(std::move(without)));
  auto p384 = testing::make_key("p384");
  fin = run(authority.finalize(
      b, o->id, testing::make_csr(p384.get(), {{IdentifierType::Dns, "good.example"}})));
  ASSERT_FALSE(fin);
  EXPECT_EQ(fin.error().type, ProblemType::InvalidProfile);
}

// --- renewal information (RFC 9773) and pre-authorization (RFC 8555 §7.4.1) ---

class RenewalTest : public AuthorityTest {
 protected:
  // A certificate issued to a for names (all "good..."), and its certID.
  std::pair<core::Certificate, std::string> issued(const core::Account& a,
                                                   std::vector<std::string> names) {
    auto cert = AuthorityTest::issued(a, std::move(names));
    const auto id = cert_id_of(cert.der);
    EXPECT_TRUE(id);
    return {cert, id.value_or("")};
  }
  core::Result<core::Order> replace(const core::Account& a, std::vector<std::string> names,
                                    const std::string& cert_id) {
    NewOrderRequest p;
    for (auto& n : names) p.identifiers.push_back({IdentifierType::Dns, n});
    p.replaces = cert_id;
    return run(authority.new_order(a, p));
  }
};

TEST_F(RenewalTest, RenewalInfoOfIssuedCertificates) {
  auto a = account();
  auto [cert, id] = issued(a, {"good.example"});
  // The certificate's own AKI and serial are the issuer's key identifier and our serial.
  EXPECT_EQ(id, encode_cert_id(key_identifier_of(ca->acme_issuer()), cert.serial));
  auto info = run(authority.renewal_info(id));
  ASSERT_TRUE(info) << info.error().detail;
  EXPECT_EQ(info->window, suggested_window(cert, clock.now()));
  EXPECT_GT(info->window.start, clock.now());
  EXPECT_GE(info->retry_after, std::chrono::hours(6));
  EXPECT_LT(info->retry_after, std::chrono::hours(7));

  EXPECT_EQ(run(authority.renewal_info("nodot")).error().type, ProblemType::Malformed);
  // Another serial, or our serial under another issuer's key identifier: unknown.
  const auto dot = id.find('.');
  EXPECT_EQ(run(authority.renewal_info(id.substr(0, dot) + ".AQ")).error().type,
            ProblemType::NotFound);
  EXPECT_EQ(
      run(authority.renewal_info("aYhba4dGQEHhs3uEe6CuLN4ByNQ" + id.substr(dot))).error().type,
      ProblemType::NotFound);

  // Revoked: the window is in the past.
  RevocationRequester who{a, std::nullopt};
  ASSERT_TRUE(run(authority.revoke(who, {cert.der, 4})));
  auto after = run(authority.renewal_info(id));
  ASSERT_TRUE(after);
  EXPECT_LE(after->window.end, clock.now());
}

TEST_F(RenewalTest, EarlyRenewalMovesTheWindowIntoThePast) {
  auto a = account();
  auto [c1, id1] = issued(a, {"good1.example"});
  auto [c2, id2] = issued(a, {"good2.example", "good3.example"});
  Renewals renewals(*store, clock);
  clock.advance(std::chrono::hours(24));

  auto one = run(renewals.renew_early({c1.serial, std::nullopt, std::nullopt}));
  ASSERT_TRUE(one) << one.error().detail;
  ASSERT_EQ(one->size(), 1u);
  EXPECT_TRUE(one->front().newly_marked);
  EXPECT_EQ(run(authority.renewal_info(id1))->window.end, clock.now());
  EXPECT_GT(run(authority.renewal_info(id2))->window.start, clock.now());

  // By name: the other; by account: both, the first marked before.
  auto named = run(renewals.renew_early(
      {std::nullopt, std::nullopt, core::Identifier{IdentifierType::Dns, "good3.example"}}));
  ASSERT_TRUE(named);
  ASSERT_EQ(named->size(), 1u);
  EXPECT_EQ(named->front().certificate.serial, c2.serial);
  auto all = run(renewals.renew_early({std::nullopt, a.id, std::nullopt}));
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_FALSE(all->at(0).newly_marked);
  EXPECT_FALSE(all->at(1).newly_marked);
  EXPECT_LE(run(authority.renewal_info(id2))->window.end, clock.now());

  auto unknown = run(renewals.renew_early({"ff", std::nullopt, std::nullopt}));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().type, ProblemType::NotFound);
}

TEST_F(RenewalTest, ReplacesIsCheckedAndHonouredOnce) {
  Limits l;
  l.new_orders_per_account = *policy::parse_rate("3/1h");
  authority.set_rules(rules(l));
  auto a = account();
  auto b = account();
  auto [cert, id] = issued(a, {"good.example", "good2.example"});

  // Not a certID; not ours; no name in common; another account's.
  EXPECT_EQ(replace(a, {"good.example"}, "x").error().type, ProblemType::Malformed);
  EXPECT_EQ(replace(a, {"good.example"}, id.substr(0, id.find('.')) + ".AQ").error().type,
            ProblemType::Malformed);
  EXPECT_EQ(replace(a, {"good9.example"}, id).error().type, ProblemType::Malformed);
  EXPECT_EQ(replace(b, {"good.example"}, id).error().type, ProblemType::Unauthorized);

  // Names need not be identical: one in common will do. The order says what it replaces.
  auto first = replace(a, {"good.example", "good4.example"}, id);
  ASSERT_TRUE(first) << first.error().detail;
  EXPECT_EQ(first->replaces, id);
  EXPECT_EQ(run(authority.order(a, first->id))->replaces, id);
  auto second = replace(a, {"good.example"}, id);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().type, ProblemType::AlreadyReplaced);

  // Replacing orders are not counted against new_orders_per_account: two are left of
  // three, after the one that issued the certificate.
  order(a, {"good5.example"});
  order(a, {"good6.example"});
  NewOrderRequest more;
  more.identifiers = {{IdentifierType::Dns, "good7.example"}};
  EXPECT_EQ(run(authority.new_order(a, more)).error().type, ProblemType::RateLimited);

  // An order that expired frees the certificate again.
  clock.advance(std::chrono::hours(24 * 8));
  auto third = replace(a, {"good2.example"}, id);
  ASSERT_TRUE(third) << third.error().detail;
  EXPECT_EQ(run(authority.order(a, first->id))->status, OrderStatus::Invalid);
}

// Replacing again after a replacement failed is counted as any new order.
TEST_F(RenewalTest, OnlyTheFirstReplacementIsExemptFromTheOrderLimit) {
  Limits l;
  l.new_orders_per_account = *policy::parse_rate("2/24h");
  authority.set_rules(rules(l));
  auto a = account();
  auto [cert, id] = issued(a, {"good.example"});  // the first of two orders
  auto fail = [&](const core::Order& o) {
    ASSERT_TRUE(run(authority.deactivate_authorization(a, o.authorizations.at(0).id)));
    EXPECT_EQ(run(authority.order(a, o.id))->status, OrderStatus::Invalid);
  };
  auto first = replace(a, {"good.example"}, id);  // exempt
  ASSERT_TRUE(first) << first.error().detail;
  fail(*first);
  auto second = replace(a, {"good.example"}, id);  // counted: the second of two
  ASSERT_TRUE(second) << second.error().detail;
  fail(*second);
  auto third = replace(a, {"good.example"}, id);
  ASSERT_FALSE(third);
  expect_limited(third.error(), "new_orders_per_account");
}

TEST_F(RenewalTest, AccountsAuthorizedForEveryNameMayReplace) {
  auto a = account();
  auto b = account();
  auto [cert, id] = issued(a, {"good.example"});
  auto ob = order(b, {"good.example"});
  validate_all(b, ob);
  EXPECT_TRUE(replace(b, {"good.example"}, id));
}

TEST_F(AuthorityTest, PreAuthorizationIsReusedByTheNextOrder) {
  auto a = account();
  auto z = run(authority.new_authorization(a, {IdentifierType::Dns, "good-pre.example"}));
  ASSERT_TRUE(z) << z.error().detail;
  EXPECT_EQ(z->status, core::AuthzStatus::Pending);
  EXPECT_FALSE(z->wildcard);
  ASSERT_FALSE(z->challenges.empty());
  ASSERT_TRUE(run(authority.respond_to_challenge(a, z->id, z->challenges[0].id)));
  io.restart();
  io.run();
  EXPECT_EQ(run(authority.authorization(a, z->id))->status, core::AuthzStatus::Valid);
  auto o = order(a, {"good-pre.example"});
  EXPECT_EQ(o.status, OrderStatus::Ready);
  ASSERT_EQ(o.authorizations.size(), 1u);
  EXPECT_EQ(o.authorizations[0].id, z->id);
}

TEST_F(AuthorityTest, PreAuthorizationFollowsTheOrderRules) {
  Limits l;
  l.pending_authorizations_per_account = 1;
  authority.set_rules(rules(l));
  auto a = account();
  auto wild = run(authority.new_authorization(a, {IdentifierType::Dns, "*.good.example"}));
  ASSERT_FALSE(wild);
  EXPECT_EQ(wild.error().type, ProblemType::Malformed);
  EXPECT_NE(wild.error().detail.find("§7.4.1"), std::string::npos);
  auto bad = run(authority.new_authorization(a, {IdentifierType::Dns, "not a name"}));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().type, ProblemType::Malformed);
  ASSERT_TRUE(run(authority.new_authorization(a, {IdentifierType::Dns, "good1.example"})));
  auto over = run(authority.new_authorization(a, {IdentifierType::Dns, "good2.example"}));
  ASSERT_FALSE(over);
  expect_limited(over.error(), "pending_authorizations_per_account (1)");
}

}  // namespace
}  // namespace signet::authority
