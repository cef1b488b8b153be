#pragma once
// Strong ids: an account id cannot be passed where an order id is expected.
#include <compare>
#include <string>

namespace signet::core {

template <class Tag>
struct StrongId {
  std::string value;
  auto operator<=>(const StrongId&) const = default;
  bool empty() const { return value.empty(); }
};

using AccountId = StrongId<struct AccountTag>;
using OrderId = StrongId<struct OrderTag>;
using AuthzId = StrongId<struct AuthzTag>;
using ChallengeId = StrongId<struct ChallengeTag>;

}  // namespace signet::core
