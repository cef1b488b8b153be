#pragma once
// The admin listener's resources, apart from the ACME route table and front end: no
// JWS, no nonces, GET and HEAD only. GET /metrics is the Prometheus exposition; further
// operator pages (an inventory at /) are entries of the table in router.cpp with a
// handler of the same shape. In the test CA mode, /testing/... goes to the test
// endpoints (testing.hpp), which also take POST and DELETE. Thread-safe.
#include <boost/asio/awaitable.hpp>

#include <memory>

#include "core/metrics.hpp"
#include "server/admin/testing.hpp"
#include "server/http/types.hpp"

namespace signet::server::admin {

// What the admin pages read.
struct Services {
  std::shared_ptr<const core::metrics::Registry> metrics;
  // The test endpoints; null unless the test mode is on (then /testing/... is 404).
  std::shared_ptr<const TestingEndpoints> testing = nullptr;
};

class Router {
 public:
  explicit Router(Services services) : s_(std::move(services)) {}

  // Answers at once (rendering is cheap); never blocks.
  boost::asio::awaitable<http::Response> handle(const http::Request& req) const;
  // For requests the HTTP layer refused before they were complete.
  http::Response error_response(const core::Error& e) const;

 private:
  Services s_;
};

}  // namespace signet::server::admin
