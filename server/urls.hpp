#pragma once
// The URL layout of the ACME resources, in one place: building them for responses
// and recognizing them in requests.
#include <optional>
#include <string>
#include <string_view>

#include "core/ids.hpp"

namespace signet::server {

enum class Route {
  Directory,
  NewNonce,
  NewAccount,
  Account,
  AccountOrders,
  NewOrder,
  Order,
  Finalize,
  Authz,
  Challenge,
  Certificate,
  Issuer,
  Revoke,
  KeyChange,
  NotFound,
};

struct RouteMatch {
  Route route = Route::NotFound;
  std::string id;      // account, order, authz or certificate serial
  std::string sub_id;  // challenge id
  std::size_t page = 0;
};

class Urls {
 public:
  explicit Urls(std::string base) : base_(std::move(base)) {}  // "https://host:port"
  const std::string& base() const { return base_; }

  std::string directory() const { return base_ + "/directory"; }
  std::string new_nonce() const { return base_ + "/acme/new-nonce"; }
  std::string new_account() const { return base_ + "/acme/new-account"; }
  std::string new_order() const { return base_ + "/acme/new-order"; }
  std::string revoke() const { return base_ + "/acme/revoke-cert"; }
  std::string key_change() const { return base_ + "/acme/key-change"; }
  std::string account(const core::AccountId& id) const { return base_ + "/acme/acct/" + id.value; }
  std::string account_orders(const core::AccountId& id, std::size_t page = 0) const;
  std::string order(const core::OrderId& id) const { return base_ + "/acme/order/" + id.value; }
  std::string finalize(const core::OrderId& id) const { return order(id) + "/finalize"; }
  std::string authz(const core::AuthzId& id) const { return base_ + "/acme/authz/" + id.value; }
  std::string challenge(const core::AuthzId& a, const core::ChallengeId& c) const {
    return base_ + "/acme/chall/" + a.value + "/" + c.value;
  }
  std::string certificate(const std::string& serial) const {
    return base_ + "/acme/cert/" + serial;
  }
  std::string issuer() const { return base_ + "/acme/issuer"; }

  // The account id in an account URL (a JWS "kid"), if it is one of ours.
  std::optional<core::AccountId> account_id_from_url(std::string_view url) const;

  // Routes a request target (path and query).
  static RouteMatch match(std::string_view target);

 private:
  std::string base_;
};

}  // namespace signet::server
