#include "authority/account_cache.hpp"

#include <gtest/gtest.h>

namespace signet::authority {
namespace {

const core::TimePoint kT = core::from_unix(1'900'000'000);

core::Account account(const std::string& id, core::AccountStatus status) {
  core::Account a;
  a.id = core::AccountId{id};
  a.status = status;
  return a;
}

TEST(AccountCache, KeepsWhatWasReadAndForgetsWhatChanged) {
  AccountCache cache;
  cache.put(account("a", core::AccountStatus::Valid), cache.generation(), kT);
  ASSERT_TRUE(cache.get(core::AccountId{"a"}, kT));
  cache.erase(core::AccountId{"a"});
  EXPECT_FALSE(cache.get(core::AccountId{"a"}, kT));
}

// A read that started before a change must not bring the old record back.
TEST(AccountCache, ARecordReadBeforeAChangeIsNotCached) {
  AccountCache cache;
  const auto before = cache.generation();
  cache.erase(core::AccountId{"a"});  // deactivated meanwhile
  cache.put(account("a", core::AccountStatus::Valid), before, kT);
  EXPECT_FALSE(cache.get(core::AccountId{"a"}, kT));
}

TEST(AccountCache, StartsOverWhenFull) {
  AccountCache cache(2);
  for (const char* id : {"a", "b", "c"}) {
    cache.put(account(id, core::AccountStatus::Valid), cache.generation(), kT);
  }
  EXPECT_FALSE(cache.get(core::AccountId{"a"}, kT));
  EXPECT_TRUE(cache.get(core::AccountId{"c"}, kT));
}

// Another process may deactivate the account in the database: the cached copy is
// served only for max_age, then read again.
TEST(AccountCache, EntriesAgeOut) {
  AccountCache cache(10, std::chrono::seconds(30));
  cache.put(account("a", core::AccountStatus::Valid), cache.generation(), kT);
  EXPECT_TRUE(cache.get(core::AccountId{"a"}, kT + std::chrono::seconds(29)));
  EXPECT_FALSE(cache.get(core::AccountId{"a"}, kT + std::chrono::seconds(30)));
  EXPECT_FALSE(
      cache.get(core::AccountId{"a"}, kT - std::chrono::seconds(1)));  // clock stepped back
}

}  // namespace
}  // namespace signet::authority
