// External account keys and bindings in storage (RFC 8555 §7.3.4).
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "storage/sqlite_store.hpp"
#include "storage/store_test_fixture.hpp"

namespace signet::storage {
namespace {

using core::AuthzStatus;
using core::ProblemType;
using fixture::kNow;
using fixture::StoreTest;
using fixture::sync;
using fixture::test_entry;

class EabStoreTest : public StoreTest {
 protected:
  core::EabKey key(const std::string& kid, bool reusable = false) {
    core::EabKey k;
    k.kid = kid;
    k.hmac_key = std::string("\x00\x01secret", 8);
    k.note = "team a";
    k.allowed_domains = {"a.example", "b.example"};
    k.prevalidated_domains = {"corp.a.example"};
    k.profiles = {"tls"};
    k.max_validity = std::chrono::hours(24 * 30);
    k.reusable = reusable;
    k.created_at = kNow;
    EXPECT_TRUE(*sync(store->create_eab_key(k, test_entry())));
    return k;
  }
  core::Result<Account> bound(const std::string& key_name, const std::string& kid) {
    NewAccount na{"{jwk}", "thumb-" + key_name, "spki-" + key_name, {}, true, kNow};
    na.eab_kid = kid;
    return sync(store->create_account(na, test_entry()));
  }
};

TEST_P(EabStoreTest, KeysAreCreatedOnceListedAndRevokedOnce) {
  const auto k = key("kid-1");
  key("kid-2", true);
  core::EabKey again = k;
  again.note = "other";
  EXPECT_FALSE(*sync(store->create_eab_key(again, test_entry())));  // the kid exists

  auto read = sync(store->eab_key("kid-1"));
  ASSERT_TRUE(read && read->has_value());
  const core::EabKey& r = **read;
  EXPECT_EQ(r.hmac_key, k.hmac_key);  // binary, NUL included
  EXPECT_EQ(r.note, "team a");
  EXPECT_EQ(r.allowed_domains, k.allowed_domains);
  EXPECT_EQ(r.prevalidated_domains, k.prevalidated_domains);
  EXPECT_EQ(r.profiles, k.profiles);
  EXPECT_EQ(r.max_validity, k.max_validity);
  EXPECT_FALSE(r.reusable);
  EXPECT_EQ(r.created_at, kNow);
  EXPECT_FALSE(r.revoked_at);
  EXPECT_EQ(r.accounts, 0u);
  EXPECT_FALSE(sync(store->eab_key("nope"))->has_value());

  auto all = sync(store->eab_keys());
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].kid, "kid-1");
  EXPECT_TRUE((*all)[1].reusable);

  EXPECT_TRUE(*sync(store->revoke_eab_key("kid-1", kNow + std::chrono::hours(1), test_entry())));
  EXPECT_FALSE(*sync(store->revoke_eab_key("kid-1", kNow + std::chrono::hours(2), test_entry())));
  EXPECT_FALSE(*sync(store->revoke_eab_key("nope", kNow, test_entry())));
  EXPECT_EQ((*sync(store->eab_key("kid-1")))->revoked_at, kNow + std::chrono::hours(1));
}

TEST_P(EabStoreTest, AccountsCarryTheirBinding) {
  key("kid-1");
  auto a = bound("k1", "kid-1");
  ASSERT_TRUE(a) << a.error().detail;
  EXPECT_EQ(a->eab_kid, "kid-1");
  EXPECT_EQ((*sync(store->account_by_id(a->id)))->eab_kid, "kid-1");
  EXPECT_EQ((*sync(store->account_by_thumbprint("thumb-k1")))->eab_kid, "kid-1");
  EXPECT_FALSE(account("k2").eab_kid);  // unbound
  EXPECT_EQ((*sync(store->eab_key("kid-1")))->accounts, 1u);
  EXPECT_EQ(*sync(store->accounts_bound_to("kid-1")), std::vector<core::AccountId>{a->id});
}

TEST_P(EabStoreTest, SingleUseKeysBindOnceReusableOnesAgainRevokedOnesNever) {
  key("single");
  key("many", true);
  ASSERT_TRUE(bound("k1", "single"));
  auto second = bound("k2", "single");
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().type, ProblemType::Unauthorized);
  EXPECT_FALSE(sync(store->account_by_thumbprint("thumb-k2"))->has_value());  // nothing created

  ASSERT_TRUE(bound("k3", "many"));
  ASSERT_TRUE(bound("k4", "many"));
  EXPECT_EQ((*sync(store->eab_key("many")))->accounts, 2u);

  EXPECT_TRUE(*sync(store->revoke_eab_key("many", kNow, test_entry())));
  auto revoked = bound("k5", "many");
  ASSERT_FALSE(revoked);
  EXPECT_EQ(revoked.error().type, ProblemType::Unauthorized);

  auto unknown = bound("k6", "nope");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().type, ProblemType::Unauthorized);
}

TEST_P(EabStoreTest, AnAccountNotCreatedTakesNoBinding) {
  key("single");
  account("k1");
  auto dup = bound("k1", "single");  // the account key is taken
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().type, ProblemType::Conflict);
  EXPECT_EQ((*sync(store->eab_key("single")))->accounts, 0u);
  EXPECT_TRUE(bound("k2", "single"));
}

boost::asio::awaitable<void> create_into(Store& store, NewAccount na,
                                         std::optional<core::Result<Account>>& out) {
  out.emplace(co_await store.create_account(na, test_entry()));
}

TEST_P(EabStoreTest, RacingAccountsCannotBothTakeASingleUseKey) {
  key("single");
  boost::asio::io_context io;
  std::vector<std::optional<core::Result<Account>>> results(8);
  for (std::size_t i = 0; i < results.size(); ++i) {
    NewAccount na{"{jwk}", "thumb-r" + std::to_string(i), "spki-r" + std::to_string(i), {}, true,
                  kNow};
    na.eab_kid = "single";
    boost::asio::co_spawn(io, create_into(*store, na, results[i]), boost::asio::detached);
  }
  io.run();
  int created = 0;
  for (auto& r : results) {
    ASSERT_TRUE(r);
    if (*r) {
      ++created;
    } else {
      EXPECT_EQ(r->error().type, ProblemType::Unauthorized);
    }
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ((*sync(store->eab_key("single")))->accounts, 1u);
  EXPECT_EQ(sync(store->accounts_bound_to("single"))->size(), 1u);
}

TEST_P(EabStoreTest, PrevalidatedAuthorizationsAreValidWithoutChallenges) {
  key("kid-1");
  auto a = bound("k1", "kid-1");
  ASSERT_TRUE(a);
  NewOrder o;
  o.account_id = a->id;
  o.expires = kNow + std::chrono::hours(24);
  o.created_at = kNow;
  const core::Identifier pre{core::IdentifierType::Dns, "www.corp.a.example"};
  const core::Identifier other{core::IdentifierType::Dns, "x.a.example"};
  o.identifiers = {pre, other};
  o.create.push_back({pre, false, kNow + std::chrono::hours(720), {}, "kid-1"});
  o.create.push_back({other, false, kNow + std::chrono::hours(24), {core::ChallengeType::Http01}});
  auto created = sync(store->create_order(o));
  ASSERT_TRUE(created) << created.error().detail;
  ASSERT_EQ(created->authorizations.size(), 2u);
  EXPECT_EQ(created->authorizations[0].status, AuthzStatus::Valid);
  EXPECT_FALSE(created->authorizations[0].validated_at);  // no challenge: CAA is rechecked
  EXPECT_EQ(created->authorizations[1].status, AuthzStatus::Pending);
  auto z = *sync(store->authz_by_id(created->authorizations[0].id));
  ASSERT_TRUE(z);
  EXPECT_EQ(z->prevalidated_by, "kid-1");
  EXPECT_TRUE(z->challenges.empty());
  EXPECT_EQ(z->expires, kNow + std::chrono::hours(720));
  auto pending = *sync(store->authz_by_id(created->authorizations[1].id));
  EXPECT_FALSE(pending->prevalidated_by);
  EXPECT_EQ(*sync(store->count_pending_authorizations(a->id, kNow)), 1u);
  // Reused like any valid authorization of the account.
  EXPECT_EQ(sync(store->valid_authzs(a->id, pre, false, kNow + std::chrono::hours(1)))->size(), 1u);
}

SIGNET_ON_EVERY_BACKEND(EabStoreTest);

}  // namespace
}  // namespace signet::storage
