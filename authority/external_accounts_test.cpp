// External account binding in the authority: keys, bindings, and what a key allows
// the accounts bound to it (RFC 8555 §7.3.4).
#include "authority/external_accounts.hpp"

#include <gtest/gtest.h>

#include "authority/test_fixture.hpp"

namespace signet::authority {
namespace {

using core::AuthzStatus;
using core::IdentifierType;
using core::OrderStatus;
using core::ProblemType;
using fixture::AuthorityTest;

class EabAuthorityTest : public AuthorityTest {
 protected:
  core::EabKey make_key(NewEabKey n) {
    auto k = run(authority.external_accounts().create(std::move(n)));
    EXPECT_TRUE(k) << k.error().detail;
    return k.value();
  }
  // A binding as the front end hands it over: its MAC verifies with `hmac_key` only.
  static ExternalAccountBinding binding(const std::string& kid, const std::string& hmac_key) {
    return {kid, [hmac_key](const std::string& key) -> core::Status {
              if (key == hmac_key) return {};
              return core::make_error(ProblemType::Unauthorized, "MAC does not verify");
            }};
  }
  core::Result<AccountResult> register_with(std::optional<ExternalAccountBinding> b,
                                            bool only_existing = false) {
    return register_key(testing::public_key(account_key.get()), std::move(b), only_existing);
  }
  core::Result<AccountResult> register_key(const core::PublicKey& key,
                                           std::optional<ExternalAccountBinding> b,
                                           bool only_existing = false) {
    NewAccountRequest p;
    p.terms_of_service_agreed = true;
    p.only_return_existing = only_existing;
    p.external_account_binding = std::move(b);
    return run(authority.new_account(key, p));
  }
  core::Account bound(const core::EabKey& k) {
    auto key = testing::make_key("p256");
    auto r = register_key(testing::public_key(key.get()), binding(k.kid, k.hmac_key));
    EXPECT_TRUE(r) << r.error().detail;
    EXPECT_EQ(r->account.eab_kid, k.kid);
    return r->account;
  }
  void require_binding() {
    auto r = std::make_shared<Rules>(*rules());
    r->external_account_required = true;
    authority.set_rules(r);
  }
  core::Result<core::Order> try_order(const core::Account& a, std::vector<std::string> names,
                                      std::optional<core::TimePoint> not_after = std::nullopt) {
    NewOrderRequest p;
    for (auto& n : names) p.identifiers.push_back({IdentifierType::Dns, n});
    p.not_after = not_after;
    return run(authority.new_order(a, p));
  }
  core::Result<core::Order> finalize(const core::Account& a, const core::Order& o,
                                     const std::vector<std::string>& names) {
    std::vector<core::Identifier> ids;
    for (const auto& n : names) ids.push_back({IdentifierType::Dns, n});
    auto key = testing::make_key("p256");
    return run(authority.finalize(a, o.id, testing::make_csr(key.get(), ids)));
  }

  core::ossl::Pkey account_key = testing::make_key("p256");
};

TEST_F(EabAuthorityTest, KeysAreCheckedWhenCreated) {
  auto& eab = authority.external_accounts();
  const auto k = make_key({});
  EXPECT_EQ(k.hmac_key.size(), 32u);
  EXPECT_EQ(k.kid.size(), 24u);  // 96 random bits, hex: never taken for an option
  EXPECT_NE(make_key({}).kid, k.kid);
  NewEabKey named;
  named.kid = "team-a";
  named.allowed_domains = {"A.example."};
  named.prevalidated_domains = {"corp.a.example"};
  const auto a = make_key(named);
  EXPECT_EQ(a.allowed_domains, std::vector<std::string>{"a.example"});
  EXPECT_EQ(run(eab.create(named)).error().type, ProblemType::Conflict);
  named.kid = "has space";
  EXPECT_EQ(run(eab.create(named)).error().type, ProblemType::Malformed);
  named.kid = "-team";
  EXPECT_EQ(run(eab.create(named)).error().type, ProblemType::Malformed);
  named.kid = "team-b";
  named.prevalidated_domains = {"b.example"};  // outside the allowed domains
  EXPECT_EQ(run(eab.create(named)).error().type, ProblemType::Malformed);
  EXPECT_EQ(run(eab.show("nope")).error().type, ProblemType::NotFound);
  EXPECT_EQ(run(eab.list())->size(), 3u);
  EXPECT_TRUE(run(eab.revoke("team-a")));
  EXPECT_EQ(run(eab.revoke("team-a")).error().type, ProblemType::Malformed);
  EXPECT_EQ(run(eab.revoke("nope")).error().type, ProblemType::NotFound);
}

TEST_F(EabAuthorityTest, RequiredBindingRefusesNewAccountsOnly) {
  auto before = register_with(std::nullopt);  // created while no binding was required
  ASSERT_TRUE(before);
  require_binding();
  auto key = testing::make_key("p256");
  auto r = register_key(testing::public_key(key.get()), std::nullopt);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, ProblemType::ExternalAccountRequired);
  // Existing accounts are found with or without onlyReturnExisting.
  auto again = register_with(std::nullopt);
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->account.id, before->account.id);
  EXPECT_TRUE(register_with(std::nullopt, true));
  EXPECT_EQ(register_key(testing::public_key(key.get()), std::nullopt, true).error().type,
            ProblemType::AccountDoesNotExist);
  // With a binding, the account is created and bound.
  const auto k = make_key({});
  auto created = register_key(testing::public_key(key.get()), binding(k.kid, k.hmac_key));
  ASSERT_TRUE(created) << created.error().detail;
  EXPECT_TRUE(created->created);
  EXPECT_EQ(created->account.eab_kid, k.kid);
  EXPECT_EQ(run(authority.account_for_kid(created->account.id))->eab_kid, k.kid);
}

TEST_F(EabAuthorityTest, BindingsAreRefusedForWrongMacUnknownRevokedOrUsedKeys) {
  const auto k = make_key({});
  auto wrong_mac = register_with(binding(k.kid, "another key"));
  ASSERT_FALSE(wrong_mac);
  EXPECT_EQ(wrong_mac.error().type, ProblemType::Unauthorized);
  auto unknown = register_with(binding("nope", k.hmac_key));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().type, ProblemType::Unauthorized);
  EXPECT_NE(unknown.error().detail.find("unknown key id \"nope\""), std::string::npos);

  bound(k);  // single-use: this one takes it
  auto used = register_with(binding(k.kid, k.hmac_key));
  ASSERT_FALSE(used);
  EXPECT_EQ(used.error().type, ProblemType::Unauthorized);
  EXPECT_NE(used.error().detail.find("bound to one already"), std::string::npos);

  NewEabKey reusable;
  reusable.reusable = true;
  const auto r = make_key(reusable);
  bound(r);
  bound(r);
  EXPECT_EQ(run(authority.external_accounts().show(r.kid))->accounts, 2u);
  ASSERT_TRUE(run(authority.external_accounts().revoke(r.kid)));
  auto revoked = register_with(binding(r.kid, r.hmac_key));
  ASSERT_FALSE(revoked);
  EXPECT_EQ(revoked.error().type, ProblemType::Unauthorized);
  EXPECT_NE(revoked.error().detail.find("revoked"), std::string::npos);
}

TEST_F(EabAuthorityTest, BoundAccountsOrderWithinTheKeysDomainsAndValidity) {
  NewEabKey n;
  n.allowed_domains = {"team.example"};
  n.max_validity = std::chrono::hours(24 * 10);
  const auto k = make_key(n);
  auto a = bound(k);
  auto refused = try_order(a, {"good.team.example", "good.other.example"});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().type, ProblemType::RejectedIdentifier);
  ASSERT_EQ(refused.error().subproblems.size(), 1u);
  EXPECT_EQ(refused.error().subproblems[0].identifier->value, "good.other.example");

  auto too_long = try_order(a, {"good.team.example"}, clock.now() + std::chrono::hours(24 * 20));
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().type, ProblemType::Malformed);
  EXPECT_NE(too_long.error().detail.find("10 days"), std::string::npos);

  // Unrequested validity is capped at the key's maximum when the certificate is made.
  auto o = try_order(a, {"good.team.example"});
  ASSERT_TRUE(o) << o.error().detail;
  validate_all(a, *o);
  auto done = finalize(a, *o, {"good.team.example"});
  ASSERT_TRUE(done) << done.error().detail;
  auto cert = run(authority.certificate(a, *done->certificate_serial));
  ASSERT_TRUE(cert);
  EXPECT_EQ(cert->not_after - cert->not_before, std::chrono::hours(24 * 10));

  // Unbound accounts are not concerned.
  EXPECT_TRUE(try_order(account(), {"good.other.example"}));
}

TEST_F(EabAuthorityTest, AccountsOfARevokedKeyCannotOrderOrFinalize) {
  const auto k = make_key({});
  auto a = bound(k);
  auto o = try_order(a, {"good.example"});
  ASSERT_TRUE(o);
  validate_all(a, *o);
  ASSERT_TRUE(run(authority.external_accounts().revoke(k.kid)));
  auto r = try_order(a, {"good.example"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, ProblemType::Unauthorized);
  EXPECT_EQ(r.error().detail,
            "The external account key " + k.kid + " bound to this account was revoked");
  auto fin = finalize(a, *o, {"good.example"});
  ASSERT_FALSE(fin);
  EXPECT_EQ(fin.error().type, ProblemType::Unauthorized);
}

TEST_F(EabAuthorityTest, KeyProfilesAreEnforced) {
  NewEabKey n;
  n.profiles = {"shortlived"};
  auto a = bound(make_key(n));
  // An order naming no profile is for the default one, tlsserver.
  auto r = try_order(a, {"good.example"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, ProblemType::InvalidProfile);
  EXPECT_NE(r.error().detail.find("\"tlsserver\""), std::string::npos) << r.error().detail;
  NewOrderRequest shortlived;
  shortlived.identifiers = {{IdentifierType::Dns, "good.example"}};
  shortlived.profile = "shortlived";
  EXPECT_TRUE(run(authority.new_order(a, shortlived)));
  n.profiles = {"tlsserver", "shortlived"};
  EXPECT_TRUE(try_order(bound(make_key(n)), {"good.example"}));
}

TEST_F(EabAuthorityTest, PrevalidatedNamesNeedNoChallenge) {
  policy::IdentifierPolicyConfig names;  // wildcards need dns-01 offered
  names.enabled_challenges = {core::ChallengeType::Http01, core::ChallengeType::Dns01};
  authority.set_rules(rules({}, names));
  NewEabKey n;
  n.prevalidated_domains = {"corp.example"};
  auto a = bound(make_key(n));
  // "bad" names fail the fake checker: only prevalidation can make them valid.
  auto o = try_order(a, {"bad.corp.example", "*.corp.example", "bad.other.example"});
  ASSERT_TRUE(o) << o.error().detail;
  EXPECT_EQ(o->status, OrderStatus::Pending);  // bad.other.example needs its challenge
  int prevalidated = 0;
  for (const auto& ref : o->authorizations) {
    auto z = run(authority.authorization(a, ref.id));
    ASSERT_TRUE(z);
    if (z->identifier.value == "bad.other.example") {
      EXPECT_EQ(z->status, AuthzStatus::Pending);
      EXPECT_FALSE(z->prevalidated_by);
      continue;
    }
    ++prevalidated;
    EXPECT_EQ(z->status, AuthzStatus::Valid);
    EXPECT_TRUE(z->challenges.empty());
    EXPECT_TRUE(z->prevalidated_by);
    EXPECT_EQ(z->expires, clock.now() + Config{}.valid_authz_lifetime);
  }
  EXPECT_EQ(prevalidated, 2);

  auto ready = try_order(a, {"bad.corp.example", "*.corp.example"});
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, OrderStatus::Ready);
  auto done = finalize(a, *ready, {"bad.corp.example", "*.corp.example"});
  ASSERT_TRUE(done) << done.error().detail;
  EXPECT_EQ(done->status, OrderStatus::Valid);
}

TEST_F(EabAuthorityTest, PrevalidatedNamesStillPassCaa) {
  NewEabKey n;
  n.prevalidated_domains = {"caa-denied.example"};
  auto a = bound(make_key(n));
  auto o = try_order(a, {"www.caa-denied.example"});
  ASSERT_TRUE(o);
  EXPECT_EQ(o->status, OrderStatus::Ready);
  auto fin = finalize(a, *o, {"www.caa-denied.example"});
  ASSERT_FALSE(fin);
  EXPECT_EQ(fin.error().type, ProblemType::Caa);
}

TEST_F(EabAuthorityTest, PrevalidatedAuthorizationsAreNotPending) {
  Limits l;
  l.pending_authorizations_per_account = 1;
  authority.set_rules(rules(l));
  NewEabKey n;
  n.prevalidated_domains = {"corp.example"};
  auto a = bound(make_key(n));
  EXPECT_TRUE(try_order(a, {"a.corp.example", "b.corp.example", "c.corp.example"}));
}

}  // namespace
}  // namespace signet::authority
