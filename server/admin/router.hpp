#pragma once
// The admin listener's resources, apart from the ACME route table and front end: no
// JWS, no nonces, GET and HEAD only. GET /metrics is the Prometheus exposition; GET /
// the certificate inventory, with a page per certificate at /certificates/<serial> and
// its PEM at /certificates/<serial>.pem (server/admin/inventory_page.hpp). Pages are
// entries of the table in router.cpp, each an awaitable handler. In the test CA mode,
// /testing/... goes to the test endpoints (testing.hpp), which also take POST and
// DELETE. Thread-safe.
#include <boost/asio/awaitable.hpp>

#include <memory>

#include "authority/inventory.hpp"
#include "core/metrics.hpp"
#include "server/admin/testing.hpp"
#include "server/http/types.hpp"

namespace signet::server::admin {

// What the admin pages read. The inventory's store and clock outlive the router.
struct Services {
  std::shared_ptr<const core::metrics::Registry> metrics;
  std::shared_ptr<authority::Inventory> inventory;
  // The test endpoints; null unless the test mode is on (then /testing/... is 404).
  std::shared_ptr<const TestingEndpoints> testing = nullptr;
};

class Router {
 public:
  explicit Router(Services services) : s_(std::move(services)) {}

  // Awaits what a page reads from storage (off the I/O threads); never blocks.
  boost::asio::awaitable<http::Response> handle(const http::Request& req) const;
  // For requests the HTTP layer refused before they were complete.
  http::Response error_response(const core::Error& e) const;

 private:
  Services s_;
};

}  // namespace signet::server::admin
