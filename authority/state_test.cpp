#include "authority/state.hpp"

#include <gtest/gtest.h>

namespace signet::authority {
namespace {

using core::AuthzStatus;
using core::OrderStatus;
using namespace std::chrono_literals;
const core::TimePoint kNow = core::from_unix(1'800'000'000);

core::Order order_with(std::vector<AuthzStatus> statuses,
                       OrderStatus stored = OrderStatus::Pending) {
  core::Order o;
  o.status = stored;
  o.expires = kNow + 1h;
  for (auto s : statuses) o.authorizations.push_back({{"id"}, s, kNow + 1h});
  return o;
}

TEST(State, AuthorizationsExpire) {
  EXPECT_EQ(effective_authz_status(AuthzStatus::Valid, kNow - 1s, kNow), AuthzStatus::Expired);
  EXPECT_EQ(effective_authz_status(AuthzStatus::Pending, kNow, kNow), AuthzStatus::Expired);
  EXPECT_EQ(effective_authz_status(AuthzStatus::Invalid, kNow - 1s, kNow), AuthzStatus::Invalid);
  EXPECT_EQ(effective_authz_status(AuthzStatus::Valid, kNow + 1s, kNow), AuthzStatus::Valid);
}

TEST(State, OrderFollowsItsAuthorizations) {
  EXPECT_EQ(effective_order_status(order_with({AuthzStatus::Pending, AuthzStatus::Valid}), kNow),
            OrderStatus::Pending);
  EXPECT_EQ(effective_order_status(order_with({AuthzStatus::Valid, AuthzStatus::Valid}), kNow),
            OrderStatus::Ready);
  EXPECT_EQ(effective_order_status(order_with({AuthzStatus::Valid, AuthzStatus::Invalid}), kNow),
            OrderStatus::Invalid);
  EXPECT_EQ(effective_order_status(order_with({AuthzStatus::Deactivated}), kNow),
            OrderStatus::Invalid);
  auto expired_authz = order_with({AuthzStatus::Valid});
  expired_authz.authorizations[0].expires = kNow - 1s;
  EXPECT_EQ(effective_order_status(expired_authz, kNow), OrderStatus::Invalid);
}

TEST(State, FinalStatesStayAndExpiryInvalidates) {
  EXPECT_EQ(effective_order_status(order_with({AuthzStatus::Valid}, OrderStatus::Processing), kNow),
            OrderStatus::Processing);
  auto valid = order_with({AuthzStatus::Valid}, OrderStatus::Valid);
  valid.expires = kNow - 1s;
  EXPECT_EQ(effective_order_status(valid, kNow), OrderStatus::Valid);
  auto ready = order_with({AuthzStatus::Valid}, OrderStatus::Ready);
  ready.expires = kNow - 1s;
  EXPECT_EQ(effective_order_status(ready, kNow), OrderStatus::Invalid);
}

TEST(State, ChallengesStartOnlyWhenBothPending) {
  EXPECT_TRUE(can_start_challenge(AuthzStatus::Pending, core::ChallengeStatus::Pending));
  EXPECT_FALSE(can_start_challenge(AuthzStatus::Valid, core::ChallengeStatus::Pending));
  EXPECT_FALSE(can_start_challenge(AuthzStatus::Pending, core::ChallengeStatus::Processing));
}

}  // namespace
}  // namespace signet::authority
