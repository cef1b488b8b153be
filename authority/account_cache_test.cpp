#include "authority/account_cache.hpp"

#include <gtest/gtest.h>

namespace signet::authority {
namespace {

core::Account account(const std::string& id, core::AccountStatus status) {
  core::Account a;
  a.id = core::AccountId{id};
  a.status = status;
  return a;
}

TEST(AccountCache, KeepsWhatWasReadAndForgetsWhatChanged) {
  AccountCache cache;
  cache.put(account("a", core::AccountStatus::Valid), cache.generation());
  ASSERT_TRUE(cache.get(core::AccountId{"a"}));
  cache.erase(core::AccountId{"a"});
  EXPECT_FALSE(cache.get(core::AccountId{"a"}));
}

// A read that started before a change must not bring the old record back.
TEST(AccountCache, ARecordReadBeforeAChangeIsNotCached) {
  AccountCache cache;
  const auto before = cache.generation();
  cache.erase(core::AccountId{"a"});  // deactivated meanwhile
  cache.put(account("a", core::AccountStatus::Valid), before);
  EXPECT_FALSE(cache.get(core::AccountId{"a"}));
}

TEST(AccountCache, StartsOverWhenFull) {
  AccountCache cache(2);
  for (const char* id : {"a", "b", "c"}) {
    cache.put(account(id, core::AccountStatus::Valid), cache.generation());
  }
  EXPECT_FALSE(cache.get(core::AccountId{"a"}));
  EXPECT_TRUE(cache.get(core::AccountId{"c"}));
}

}  // namespace
}  // namespace signet::authority
