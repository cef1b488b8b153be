#include "server/urls.hpp"

#include <vector>

namespace signet::server {
namespace {

bool id_chars(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::vector<std::string_view> split_path(std::string_view p) {
  std::vector<std::string_view> parts;
  while (!p.empty()) {
    const auto slash = p.find('/');
    parts.push_back(p.substr(0, slash));
    if (slash == std::string_view::npos) break;
    p.remove_prefix(slash + 1);
  }
  return parts;
}

RouteMatch route_only(Route r) {
  RouteMatch m;
  m.route = r;
  return m;
}

}  // namespace

std::string Urls::account_orders(const core::AccountId& id, std::size_t page) const {
  return account(id) + "/orders" + (page ? "?page=" + std::to_string(page) : "");
}

std::optional<core::AccountId> Urls::account_id_from_url(std::string_view url) const {
  const std::string prefix = base_ + "/acme/acct/";
  if (!url.starts_with(prefix)) return std::nullopt;
  auto id = url.substr(prefix.size());
  if (!id_chars(id)) return std::nullopt;
  return core::AccountId{std::string(id)};
}

RouteMatch Urls::match(std::string_view target) {
  RouteMatch m;
  std::string_view path = target, query;
  if (const auto q = target.find('?'); q != std::string_view::npos) {
    path = target.substr(0, q);
    query = target.substr(q + 1);
  }
  if (path == "/directory") return route_only(Route::Directory);
  if (!path.starts_with("/acme/")) return m;
  auto parts = split_path(path.substr(6));
  const auto n = parts.size();
  if (!query.empty()) {
    // Only the orders list takes a query: ?page=N.
    if (n == 3 && parts[0] == "acct" && parts[2] == "orders" && query.starts_with("page=") &&
        query.size() > 5 && query.size() < 12 &&
        query.substr(5).find_first_not_of("0123456789") == std::string_view::npos) {
      m.page = std::stoul(std::string(query.substr(5)));
    } else {
      return m;
    }
  }
  auto with_id = [&](Route r, std::string_view id, std::string_view sub = {}) {
    if (!id_chars(id) || (!sub.empty() && !id_chars(sub))) return RouteMatch{};
    RouteMatch out{r, std::string(id), std::string(sub), m.page};
    return out;
  };
  if (n == 1) {
    if (parts[0] == "new-nonce") return route_only(Route::NewNonce);
    if (parts[0] == "new-account") return route_only(Route::NewAccount);
    if (parts[0] == "new-order") return route_only(Route::NewOrder);
    if (parts[0] == "revoke-cert") return route_only(Route::Revoke);
    if (parts[0] == "key-change") return route_only(Route::KeyChange);
    if (parts[0] == "issuer") return route_only(Route::Issuer);
  } else if (n == 2) {
    if (parts[0] == "acct") return with_id(Route::Account, parts[1]);
    if (parts[0] == "order") return with_id(Route::Order, parts[1]);
    if (parts[0] == "authz") return with_id(Route::Authz, parts[1]);
    if (parts[0] == "cert") return with_id(Route::Certificate, parts[1]);
  } else if (n == 3) {
    if (parts[0] == "acct" && parts[2] == "orders") return with_id(Route::AccountOrders, parts[1]);
    if (parts[0] == "order" && parts[2] == "finalize") return with_id(Route::Finalize, parts[1]);
    if (parts[0] == "chall") return with_id(Route::Challenge, parts[1], parts[2]);
  }
  return m;
}

}  // namespace signet::server
