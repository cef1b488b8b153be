#include "storage/sqlite_store.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "storage/sqlite_db.hpp"
#include "storage/statements.hpp"
#include "storage/store_test_fixture.hpp"

namespace signet::storage {
namespace {

using core::AuthzStatus;
using core::ChallengeStatus;
using core::Identifier;
using core::IdentifierType;
using core::OrderStatus;
using fixture::CertificateStoreTest;
using fixture::kLease;
using fixture::kNow;
using fixture::serials;
using fixture::StoreTest;
using fixture::sync;
using fixture::test_entry;

TEST_P(StoreTest, AccountsAreUniqueByKey) {
  auto a = account();
  EXPECT_EQ(a.contact, std::vector<std::string>{"mailto:a@b.example"});
  auto dup =
      sync(store->create_account({"{jwk}", "thumb-k1", "spki-k1", {}, false, kNow}, test_entry()));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().type, core::ProblemType::Conflict);
  auto found = sync(store->account_by_thumbprint("thumb-k1"));
  ASSERT_TRUE(found && found->has_value());
  EXPECT_EQ((*found)->id, a.id);
  EXPECT_TRUE(*sync(store->is_account_key("spki-k1")));
  EXPECT_FALSE(*sync(store->is_account_key("spki-other")));
}

TEST_P(StoreTest, KeyChangeAndDeactivationAreGuarded) {
  auto a = account("k1");
  account("k2");
  auto clash = sync(
      store->change_account_key(a.id, "thumb-k1", {"{jwk2}", "thumb-k2", "spki-k2"}, test_entry()));
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().type, core::ProblemType::Conflict);
  EXPECT_FALSE(*sync(store->change_account_key(a.id, "thumb-wrong", {"{j}", "thumb-k3", "spki-k3"},
                                               test_entry())));
  EXPECT_TRUE(*sync(
      store->change_account_key(a.id, "thumb-k1", {"{j}", "thumb-k3", "spki-k3"}, test_entry())));
  EXPECT_TRUE(*sync(store->deactivate_account(a.id, test_entry())));
  EXPECT_FALSE(*sync(store->deactivate_account(a.id, test_entry())));
  EXPECT_FALSE(*sync(store->update_account_contact(a.id, {})));
  EXPECT_EQ((*sync(store->account_by_id(a.id)))->status, core::AccountStatus::Deactivated);
}

TEST_P(StoreTest, OrderWithAuthorizationsAndChallengeLifecycle) {
  auto a = account();
  auto o = order(a, {"a.example", "b.example"});
  ASSERT_EQ(o.authorizations.size(), 2u);
  EXPECT_EQ(o.status, OrderStatus::Pending);
  auto authz = sync(store->authz_by_id(o.authorizations[0].id)).value().value();
  ASSERT_EQ(authz.challenges.size(), 1u);
  const auto& ch = authz.challenges[0];
  EXPECT_GE(ch.token.size(), 43u);

  EXPECT_TRUE(*sync(store->start_challenge(authz.id, ch.id, kLease)));
  EXPECT_FALSE(*sync(store->start_challenge(authz.id, ch.id, kLease)));  // already processing

  core::ValidationRecord rec{"primary",
                             "http://a.example/.well-known/acme-challenge/x",
                             "a.example",
                             "80",
                             {"192.0.2.1", "2001:db8::1"},
                             "192.0.2.1"};
  const auto valid_until = kNow + std::chrono::hours(24 * 30);
  const std::vector<core::PerspectiveResult> perspectives{
      {"primary", core::PerspectiveVerdict::Valid, std::nullopt},
      {"eu-1", core::PerspectiveVerdict::Invalid,
       core::make_error(core::ProblemType::Dns, "NXDOMAIN for a.example")},
      {"us-1", core::PerspectiveVerdict::Valid, std::nullopt}};
  EXPECT_TRUE(*sync(store->complete_challenge(
      {ch.id, authz.id, true, kNow, std::nullopt, {rec}, valid_until, perspectives})));
  EXPECT_FALSE(*sync(store->complete_challenge(
      {ch.id, authz.id, true, kNow, std::nullopt, {}, std::nullopt, {}})));
  authz = sync(store->authz_by_id(authz.id)).value().value();
  EXPECT_EQ(authz.status, AuthzStatus::Valid);
  EXPECT_EQ(authz.expires, valid_until);
  EXPECT_EQ(authz.challenges[0].status, ChallengeStatus::Valid);
  ASSERT_EQ(authz.challenges[0].records.size(), 1u);
  EXPECT_EQ(authz.challenges[0].records[0], rec);
  const auto& stored = authz.challenges[0].perspectives;
  ASSERT_EQ(stored.size(), 3u);
  EXPECT_EQ(stored[1].perspective, "eu-1");
  EXPECT_EQ(stored[1].verdict, core::PerspectiveVerdict::Invalid);
  EXPECT_EQ(stored[1].problem, perspectives[1].problem);
  EXPECT_FALSE(stored[2].problem.has_value());
  // The order's view of its authorizations says when each was validated.
  const auto with_refs = sync(store->order_by_id(o.id)).value().value();
  for (const auto& ref : with_refs.authorizations) {
    if (ref.id == authz.id) {
      EXPECT_EQ(ref.validated_at, kNow);
    } else {
      EXPECT_FALSE(ref.validated_at);
    }
  }

  auto valid = sync(store->valid_authzs(a.id, {IdentifierType::Dns, "a.example"}, false, kNow));
  ASSERT_TRUE(valid);
  EXPECT_EQ(valid->size(), 1u);
  EXPECT_TRUE(sync(store->valid_authzs(a.id, {IdentifierType::Dns, "a.example"}, false,
                                       valid_until + std::chrono::hours(1)))
                  ->empty());
}

TEST_P(StoreTest, LateAnswersReplaceOnlyNotAwaited) {
  auto authz = started("a.example");
  const auto& ch = authz.challenges[0];
  using core::PerspectiveVerdict;
  ASSERT_TRUE(
      *sync(store->complete_challenge({ch.id,
                                       authz.id,
                                       true,
                                       kNow,
                                       std::nullopt,
                                       {},
                                       std::nullopt,
                                       {{"primary", PerspectiveVerdict::Valid, std::nullopt},
                                        {"eu-1", PerspectiveVerdict::Valid, std::nullopt},
                                        {"us-1", PerspectiveVerdict::NotAwaited, std::nullopt}}})));
  const core::PerspectiveResult late{"us-1", PerspectiveVerdict::Invalid,
                                     core::make_error(core::ProblemType::Dns, "SERVFAIL")};
  EXPECT_TRUE(*sync(store->record_late_perspective(ch.id, late)));
  EXPECT_FALSE(*sync(store->record_late_perspective(ch.id, late)));  // already answered
  EXPECT_FALSE(*sync(store->record_late_perspective(
      ch.id, {"eu-1", PerspectiveVerdict::Invalid, std::nullopt})));  // was awaited
  authz = sync(store->authz_by_id(authz.id)).value().value();
  EXPECT_EQ(authz.status, AuthzStatus::Valid);  // the outcome stands
  const auto& stored = authz.challenges[0].perspectives;
  ASSERT_EQ(stored.size(), 3u);
  EXPECT_EQ(stored[1].verdict, PerspectiveVerdict::Valid);
  EXPECT_EQ(stored[2].verdict, PerspectiveVerdict::Invalid);
  EXPECT_EQ(stored[2].problem, late.problem);
}

// The write that makes an order's last authorization valid makes the order ready; an
// order with an authorization still pending, or an expired one, stays as it is.
TEST_P(StoreTest, TheLastValidAuthorizationMakesItsOrdersReady) {
  auto a = account();
  auto two = order(a, {"a.example", "b.example"});
  auto validate = [&](const core::AuthzId& id) {
    auto authz = sync(store->authz_by_id(id)).value().value();
    const auto& ch = authz.challenges[0];
    ASSERT_TRUE(*sync(store->start_challenge(id, ch.id, kLease)));
    ASSERT_TRUE(*sync(store->complete_challenge({ch.id, id, true, kNow, std::nullopt, {},
                                                 kNow + std::chrono::hours(24 * 30), {}})));
  };
  auto status = [&](const Order& o) { return sync(store->order_by_id(o.id)).value()->status; };
  validate(two.authorizations[0].id);
  EXPECT_EQ(status(two), OrderStatus::Pending);
  validate(two.authorizations[1].id);
  EXPECT_EQ(status(two), OrderStatus::Ready);

  // Expired before the validation: left to the authority, which makes it invalid.
  NewOrder late;
  late.account_id = a.id;
  late.expires = kNow - std::chrono::seconds(1);
  late.created_at = kNow - std::chrono::hours(1);
  const Identifier c{IdentifierType::Dns, "c.example"};
  late.identifiers = {c};
  late.create = {{c, false, kNow + std::chrono::hours(24), {core::ChallengeType::Http01}}};
  auto expired = sync(store->create_order(late)).value();
  validate(expired.authorizations[0].id);
  EXPECT_EQ(status(expired), OrderStatus::Pending);

  // A failed validation changes no order.
  auto failing = order(a, {"d.example"});
  auto authz = sync(store->authz_by_id(failing.authorizations[0].id)).value().value();
  ASSERT_TRUE(*sync(store->start_challenge(authz.id, authz.challenges[0].id, kLease)));
  ASSERT_TRUE(*sync(store->complete_challenge(
      {authz.challenges[0].id, authz.id, false, kNow,
       core::make_error(core::ProblemType::Connection, "refused"), {}, std::nullopt, {}})));
  EXPECT_EQ(status(failing), OrderStatus::Pending);
}

TEST_P(StoreTest, FailedChallengeStoresProblem) {
  auto authz = started("a.example");
  const auto& ch = authz.challenges[0];
  auto err = core::make_error(core::ProblemType::Connection, "refused");
  ASSERT_TRUE(
      *sync(store->complete_challenge({ch.id, authz.id, false, kNow, err, {}, std::nullopt, {}})));
  authz = sync(store->authz_by_id(authz.id)).value().value();
  EXPECT_EQ(authz.status, AuthzStatus::Invalid);
  EXPECT_EQ(authz.challenges[0].error, err);
  EXPECT_FALSE(*sync(store->deactivate_authz(authz.id)));  // invalid cannot be deactivated
}

TEST_P(StoreTest, OrderFinalizationIsGuardedAndCertificateStored) {
  auto a = account();
  auto o = order(a, {"a.example"});
  // Only a ready order starts issuance.
  EXPECT_FALSE(*sync(store->start_issuance(pending(o, "0abc"), kNow, kLease, test_entry())));
  ASSERT_TRUE(*sync(store->set_order_status(o.id, OrderStatus::Pending, OrderStatus::Ready)));
  ASSERT_TRUE(*sync(store->start_issuance(pending(o, "0abc"), kNow, kLease, test_entry())));
  EXPECT_EQ(sync(store->order_by_id(o.id)).value()->status, OrderStatus::Processing);
  // A serial is never used twice; the failed start changes nothing.
  auto o2 = order(a, {"b.example"});
  ASSERT_TRUE(*sync(store->set_order_status(o2.id, OrderStatus::Pending, OrderStatus::Ready)));
  auto reused = sync(store->start_issuance(pending(o2, "0abc"), kNow, kLease, test_entry()));
  ASSERT_FALSE(reused);
  EXPECT_EQ(reused.error().type, core::ProblemType::Conflict);
  EXPECT_EQ(sync(store->order_by_id(o2.id)).value()->status, OrderStatus::Ready);

  Certificate c;
  c.serial = "0abc";
  c.account_id = a.id;
  c.order_id = o.id;
  c.der = std::string("\x30\x82\x00", 3);
  c.chain_pem = "PEM";
  c.key_spki_sha256 = "certkey";
  c.identifiers = o.identifiers;
  c.not_before = kNow;
  c.not_after = kNow + std::chrono::hours(24 * 90);
  c.issued_at = kNow;
  ASSERT_TRUE(*sync(store->complete_order(o.id, c, test_entry())));
  EXPECT_FALSE(*sync(store->complete_order(o.id, c, test_entry())));
  auto stored = sync(store->order_by_id(o.id)).value().value();
  EXPECT_EQ(stored.status, OrderStatus::Valid);
  EXPECT_EQ(stored.certificate_serial, "0abc");
  auto cert = sync(store->certificate_by_serial("0abc")).value().value();
  EXPECT_EQ(cert.der, c.der);
  EXPECT_EQ(cert.identifiers, c.identifiers);
  EXPECT_TRUE(*sync(store->is_certificate_key("certkey")));

  EXPECT_TRUE(*sync(store->revoke_certificate("0abc", 1, kNow, test_entry())));
  EXPECT_FALSE(*sync(store->revoke_certificate("0abc", 1, kNow, test_entry())));
  EXPECT_EQ(sync(store->certificate_by_serial("0abc")).value()->revocation_reason, 1);
}

TEST_P(StoreTest, AnOrderReplacesACertificateOnceUnlessItBecomesInvalid) {
  auto a = account();
  auto make = [&](const std::optional<std::string>& replaces) {
    NewOrder o;
    o.account_id = a.id;
    o.expires = kNow + std::chrono::hours(24);
    o.created_at = kNow;
    o.identifiers = {{IdentifierType::Dns, "a.example"}};
    o.create.push_back(
        {o.identifiers[0], false, kNow + std::chrono::hours(24), {core::ChallengeType::Http01}});
    o.replaces = replaces;
    return sync(store->create_order(o));
  };
  auto first = make("KID.SERIAL");
  ASSERT_TRUE(first) << first.error().detail;
  EXPECT_EQ(first->replaces, "KID.SERIAL");
  EXPECT_EQ(sync(store->order_by_id(first->id)).value()->replaces, "KID.SERIAL");
  // Orders that replace nothing, or something else, are not held back.
  ASSERT_TRUE(make(std::nullopt));
  ASSERT_TRUE(make(std::nullopt));
  ASSERT_TRUE(make("KID.OTHER"));

  auto second = make("KID.SERIAL");
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().type, core::ProblemType::AlreadyReplaced);
  EXPECT_EQ(sync(store->orders_replacing("KID.SERIAL"))->size(), 1u);

  // Once the first is invalid, the certificate may be replaced again.
  ASSERT_TRUE(
      *sync(store->set_order_status(first->id, OrderStatus::Pending, OrderStatus::Invalid)));
  auto third = make("KID.SERIAL");
  ASSERT_TRUE(third) << third.error().detail;
  auto replacing = sync(store->orders_replacing("KID.SERIAL")).value();
  ASSERT_EQ(replacing.size(), 2u);
  EXPECT_EQ(make("KID.SERIAL").error().type, core::ProblemType::AlreadyReplaced);
}

TEST_P(StoreTest, PreAuthorizationsArePendingWithChallenges) {
  auto a = account();
  core::NewAuthorization na{{IdentifierType::Dns, "pre.example"},
                            false,
                            kNow + std::chrono::hours(24),
                            {core::ChallengeType::Http01, core::ChallengeType::Dns01}};
  auto z = sync(store->create_authorization(a.id, na, kNow));
  ASSERT_TRUE(z) << z.error().detail;
  EXPECT_EQ(z->account_id, a.id);
  EXPECT_EQ(z->identifier.value, "pre.example");
  EXPECT_EQ(z->status, AuthzStatus::Pending);
  ASSERT_EQ(z->challenges.size(), 2u);
  EXPECT_NE(z->challenges[0].token, z->challenges[1].token);
  EXPECT_EQ(*sync(store->count_pending_authorizations(a.id, kNow)), 1u);
  EXPECT_TRUE(sync(store->authz_by_id(z->id)).value().has_value());
}

TEST_P(CertificateStoreTest, CertificatesAreMarkedForEarlyRenewalOnce) {
  const auto [a, b] = five_certificates();  // 05 expired by kNow + 2 days

  const auto later = kNow + std::chrono::hours(48);
  // Soonest expiry first.
  EXPECT_EQ(serials(sync(store->current_certificates_of_account(a.id, later))),
            (std::vector<std::string>{"02", "01", "04"}));
  // Not the revoked one, the expired one, or one for a name below.
  EXPECT_EQ(
      serials(sync(store->current_certificates_for({IdentifierType::Dns, "two.example"}, later))),
      (std::vector<std::string>{"02", "01"}));
  EXPECT_TRUE(
      sync(store->current_certificates_for({IdentifierType::Dns, "wo.example"}, later))->empty());

  EXPECT_TRUE(*sync(store->mark_renew_early("01", later, test_entry())));
  EXPECT_FALSE(*sync(store->mark_renew_early("01", later + std::chrono::hours(1), test_entry())));
  EXPECT_FALSE(*sync(store->mark_renew_early("03", later, test_entry())));  // revoked
  EXPECT_FALSE(*sync(store->mark_renew_early("ff", later, test_entry())));  // unknown
  EXPECT_EQ(sync(store->certificate_by_serial("01")).value()->renew_early_at, later);
  EXPECT_FALSE(sync(store->certificate_by_serial("02")).value()->renew_early_at);
}

TEST_P(StoreTest, FailOrderOnlyFromProcessing) {
  auto a = account();
  auto o = order(a, {"a.example"});
  auto err = core::make_error(core::ProblemType::BadCsr, "bad");
  EXPECT_FALSE(*sync(store->fail_order(o.id, err)));
  ASSERT_TRUE(*sync(store->set_order_status(o.id, OrderStatus::Pending, OrderStatus::Processing)));
  EXPECT_TRUE(*sync(store->fail_order(o.id, err)));
  auto stored = sync(store->order_by_id(o.id)).value().value();
  EXPECT_EQ(stored.status, OrderStatus::Invalid);
  EXPECT_EQ(stored.error, err);
}

TEST_P(StoreTest, RecoveryEndsInterruptedWork) {
  auto a = account();
  auto o = order(a, {"a.example"});
  auto authz = sync(store->authz_by_id(o.authorizations[0].id)).value().value();
  ASSERT_TRUE(*sync(store->start_challenge(authz.id, authz.challenges[0].id, kLease)));
  auto o2 = order(a, {"b.example"});
  ASSERT_TRUE(*sync(store->set_order_status(o2.id, OrderStatus::Pending, OrderStatus::Processing)));
  // Another node, once the lease lapsed (the order was leased to no one).
  const Takeover later{"node-b/run-1", kLease.until + std::chrono::seconds(1), ""};
  EXPECT_EQ(*sync(store->recover_interrupted(later)), 3);
  authz = sync(store->authz_by_id(authz.id)).value().value();
  EXPECT_EQ(authz.status, AuthzStatus::Invalid);
  EXPECT_EQ(authz.challenges[0].status, ChallengeStatus::Invalid);
  ASSERT_TRUE(authz.challenges[0].error);
  EXPECT_EQ(authz.challenges[0].error->type, core::ProblemType::ServerInternal);
  EXPECT_EQ(sync(store->order_by_id(o2.id)).value()->status, OrderStatus::Invalid);
  EXPECT_EQ(*sync(store->recover_interrupted(later)), 0);
}

// Several nodes on one database: work in flight is left to the run that leases it
// while the lease holds and that run renews it; a stopped node's work is taken over
// when its lease lapses, and at once by a later run of the same node.
TEST_P(StoreTest, LeasesKeepWorkInFlightWithItsNode) {
  auto a = account();
  auto o = order(a, {"a.example"});
  auto authz = sync(store->authz_by_id(o.authorizations[0].id)).value().value();
  ASSERT_TRUE(*sync(store->start_challenge(authz.id, authz.challenges[0].id, kLease)));
  const auto status = [&] {
    return sync(store->authz_by_id(authz.id)).value()->challenges[0].status;
  };
  // Another node, while the lease holds; the run itself, whenever.
  EXPECT_EQ(*sync(store->recover_interrupted({"node-b/run-1", kNow, ""})), 0);
  EXPECT_EQ(*sync(store->recover_interrupted({kLease.owner, kNow + std::chrono::hours(1), ""})),
            0);
  // Another node starting, whose earlier runs are not node-a's.
  EXPECT_EQ(*sync(store->recover_interrupted({"node-b/run-2", kNow, "node-b/"})), 0);
  EXPECT_EQ(status(), ChallengeStatus::Processing);
  // Renewed, it outlives the first lease.
  EXPECT_EQ(*sync(store->renew_leases(kLease.owner, kNow + std::chrono::minutes(5))), 1);
  EXPECT_EQ(*sync(store->renew_leases("node-b/run-1", kNow + std::chrono::minutes(5))), 0);
  EXPECT_EQ(*sync(store->recover_interrupted({"node-b/run-1", kNow + std::chrono::minutes(2), ""})),
            0);
  EXPECT_EQ(status(), ChallengeStatus::Processing);
  // node-a starting again takes over its earlier run's work at once.
  EXPECT_EQ(*sync(store->recover_interrupted({"node-a/run-2", kNow, "node-a/"})), 2);
  EXPECT_EQ(status(), ChallengeStatus::Invalid);

  // A lease that lapses without renewal: taken over by another node.
  auto o2 = order(a, {"b.example"});
  auto authz2 = sync(store->authz_by_id(o2.authorizations[0].id)).value().value();
  ASSERT_TRUE(*sync(store->start_challenge(authz2.id, authz2.challenges[0].id, kLease)));
  EXPECT_EQ(*sync(store->recover_interrupted({"node-b/run-1", kLease.until, ""})), 0);
  EXPECT_EQ(*sync(store->recover_interrupted(
                {"node-b/run-1", kLease.until + std::chrono::seconds(1), ""})),
            2);
}

// A recorded certificate is resumed by one node only: the one that takes it over leases
// it, and the others then leave it.
TEST_P(StoreTest, InterruptedIssuancesAreTakenOverOnce) {
  auto a = account();
  auto o = order(a, {"a.example"});
  ASSERT_TRUE(*sync(store->set_order_status(o.id, OrderStatus::Pending, OrderStatus::Ready)));
  ASSERT_TRUE(*sync(store->start_issuance(pending(o, "0abc"), kNow, kLease, test_entry())));
  const auto lapsed = kLease.until + std::chrono::seconds(1);
  const auto until = lapsed + std::chrono::minutes(1);
  // Its own run and a live lease: nothing to take over.
  EXPECT_TRUE(sync(store->interrupted_issuances({kLease.owner, lapsed, ""}, until))->empty());
  EXPECT_TRUE(sync(store->interrupted_issuances({"node-b/run-1", kNow, ""}, until))->empty());
  auto taken = sync(store->interrupted_issuances({"node-b/run-1", lapsed, ""}, until));
  ASSERT_TRUE(taken);
  ASSERT_EQ(taken->size(), 1u);
  EXPECT_EQ(taken->front().serial, "0abc");
  EXPECT_TRUE(sync(store->interrupted_issuances({"node-c/run-1", lapsed, ""}, until))->empty());
  // Leased to node-b now: renewed by it, and not ended by recovery elsewhere.
  EXPECT_EQ(*sync(store->renew_leases("node-b/run-1", until)), 1);
  EXPECT_EQ(*sync(store->recover_interrupted({"node-c/run-1", until + std::chrono::seconds(1), ""})),
            0);
  EXPECT_EQ(sync(store->order_by_id(o.id)).value()->status, OrderStatus::Processing);
}

// Nonces shared by the nodes of one database: one key for all, made once; a nonce
// redeemed once by any of them; forgotten once expired.
TEST_P(StoreTest, SharedNonces) {
  auto key = sync(store->nonce_key());
  ASSERT_TRUE(key);
  EXPECT_EQ(key->size(), 32u);
  EXPECT_EQ(*sync(store->nonce_key()), *key);
  const auto expires = kNow + std::chrono::minutes(15);
  EXPECT_TRUE(*sync(store->redeem_nonce("n1", expires)));
  EXPECT_FALSE(*sync(store->redeem_nonce("n1", expires)));
  EXPECT_TRUE(*sync(store->redeem_nonce("n2", kNow)));
  EXPECT_EQ(*sync(store->purge_redeemed_nonces(kNow + std::chrono::seconds(1))), 1u);
  EXPECT_FALSE(*sync(store->redeem_nonce("n1", expires)));
  EXPECT_EQ(*sync(store->purge_redeemed_nonces(expires + std::chrono::seconds(1))), 1u);
}

// A certificate recorded before signing and never stored is left for the authority to
// sign again; recovery does not end its order.
TEST_P(StoreTest, RecordedIssuancesSurviveRecovery) {
  auto a = account();
  auto o = order(a, {"a.example"});
  ASSERT_TRUE(*sync(store->set_order_status(o.id, OrderStatus::Pending, OrderStatus::Ready)));
  ASSERT_TRUE(*sync(store->start_issuance(pending(o, "0abc"), kNow, kLease, test_entry())));
  auto done = order(a, {"b.example"});
  ASSERT_TRUE(*sync(store->set_order_status(done.id, OrderStatus::Pending, OrderStatus::Ready)));
  ASSERT_TRUE(*sync(store->start_issuance(pending(done, "0def"), kNow, kLease, test_entry())));
  Certificate c;
  c.serial = "0def";
  c.account_id = a.id;
  c.order_id = done.id;
  c.der = "DER";
  c.chain_pem = "PEM";
  c.key_spki_sha256 = "key-0def";
  c.identifiers = done.identifiers;
  c.not_before = kNow;
  c.not_after = kNow + std::chrono::hours(1);
  c.issued_at = kNow;
  ASSERT_TRUE(*sync(store->complete_order(done.id, c, test_entry())));

  const Takeover restarted{"node-a/run-2", kNow, "node-a/"};
  EXPECT_EQ(*sync(store->recover_interrupted(restarted)), 0);
  EXPECT_EQ(sync(store->order_by_id(o.id)).value()->status, OrderStatus::Processing);
  auto left = sync(store->interrupted_issuances(restarted, kNow + std::chrono::minutes(1)));
  ASSERT_TRUE(left);
  ASSERT_EQ(left->size(), 1u);  // the stored one is not interrupted
  const auto& p = left->front();
  const auto want = pending(o, "0abc");
  EXPECT_EQ(p.order_id, want.order_id);
  EXPECT_EQ(p.account_id, want.account_id);
  EXPECT_EQ(p.serial, "0abc");
  EXPECT_EQ(p.issuer, want.issuer);
  EXPECT_EQ(p.profile, want.profile);
  EXPECT_EQ(p.spki_der, want.spki_der);
  EXPECT_EQ(p.key_spki_sha256, want.key_spki_sha256);
  EXPECT_EQ(p.identifiers, want.identifiers);
  EXPECT_EQ(p.not_before, want.not_before);
  EXPECT_EQ(p.not_after, want.not_after);
}

TEST_P(StoreTest, InfrastructureCertificatesAreRecordedOnce) {
  const core::InfrastructureCertificate c = fixture::infrastructure_certificate();
  EXPECT_TRUE(*sync(store->record_infrastructure_certificate(c, test_entry())));
  EXPECT_FALSE(*sync(store->record_infrastructure_certificate(c, test_entry())));
}

TEST_P(StoreTest, OrdersListPages) {
  auto a = account();
  for (int i = 0; i < 5; ++i) order(a, {"n" + std::to_string(i) + ".example"});
  auto p1 = sync(store->orders_by_account(a.id, 0, 3)).value();
  auto p2 = sync(store->orders_by_account(a.id, 3, 3)).value();
  EXPECT_EQ(p1.size(), 3u);
  EXPECT_EQ(p2.size(), 2u);
}

TEST(SqliteStoreFile, SchemaPersistsAcrossReopen) {
  const auto path =
      std::filesystem::temp_directory_path() / ("signet-store-" + random_id() + ".db");
  {
    auto s = SqliteStore::open(path.string());
    ASSERT_TRUE(s);
    ASSERT_TRUE(sync((*s)->create_account({"{}", "t", "s", {}, false, kNow}, test_entry())));
  }
  {
    auto s = SqliteStore::open(path.string());
    ASSERT_TRUE(s);
    auto a = sync((*s)->account_by_thumbprint("t"));
    ASSERT_TRUE(a && a->has_value());
  }
  std::filesystem::remove(path);
  std::filesystem::remove(path.string() + "-wal");
  std::filesystem::remove(path.string() + "-shm");
}

TEST(StoreMigrations, ADatabaseFromAnEarlierVersionIsUpgradedInPlace) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("signet-migrate-" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(path);
  {
    // What the first release created: schema version 1.
    detail::Connection c(path.string());
    c.exec_script(sql::kMigrations[0]);
    c.set_user_version(1);
  }
  auto s = SqliteStore::open(path.string());
  ASSERT_TRUE(s) << s.error().detail;
  {
    detail::Connection c(path.string());
    EXPECT_EQ(c.user_version(), static_cast<int>(std::size(sql::kMigrations)));
    auto st = c.prepare("SELECT count(*) FROM validation_perspectives");
    ASSERT_TRUE(st.step());
    EXPECT_EQ(st.integer(0), 0);
  }
  s->reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
}

}  // namespace
}  // namespace signet::storage

namespace signet::storage {
namespace {

TEST(RandomId, NeverStartsWithADash) {
  // Without the redraw one id in 64 would: 2000 draws would all miss it with probability
  // (63/64)^2000, about 2e-14.
  for (int i = 0; i < 2000; ++i) {
    const auto id = random_id();
    ASSERT_EQ(id.size(), 22u);
    ASSERT_NE(id.front(), '-') << id;
  }
}

SIGNET_ON_EVERY_BACKEND(StoreTest);
SIGNET_ON_EVERY_BACKEND(CertificateStoreTest);

}  // namespace
}  // namespace signet::storage
