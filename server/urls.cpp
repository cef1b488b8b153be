#include "server/urls.hpp"

#include "server/routes.hpp"

namespace signet::server {

std::string Urls::of(Route r, std::string_view id, std::string_view sub) const {
  return base_ + route_path(r, id, sub);
}

std::string Urls::account_orders(const core::AccountId& id, std::size_t page) const {
  return of(Route::AccountOrders, id.value) + (page ? "?page=" + std::to_string(page) : "");
}

std::optional<core::AccountId> Urls::account_id_from_url(std::string_view url) const {
  if (!url.starts_with(base_)) return std::nullopt;
  const RouteMatch m = match_route(url.substr(base_.size()));
  if (m.route != Route::Account || url.find('?') != std::string_view::npos) return std::nullopt;
  return core::AccountId{m.id};
}

}  // namespace signet::server
