#include "server/admin/router.hpp"

#include <array>
#include <string_view>

#include "server/problem.hpp"

namespace signet::server::admin {
namespace {

namespace bh = boost::beast::http;

struct Page {
  int status = 200;
  std::string content_type;
  std::string body;
};

struct AdminRoute {
  std::string_view path;  // exact; no query
  Page (*handler)(const Services&, const http::Request&);
};

// The Prometheus text exposition format, version 0.0.4.
Page metrics(const Services& s, const http::Request&) {
  return {200, std::string(core::metrics::kContentType), s.metrics->render()};
}

constexpr std::array kRoutes{
    AdminRoute{"/metrics", metrics},
};

Page text(int status, std::string body) {
  return {status, "text/plain; charset=utf-8", std::move(body) + "\n"};
}

http::Response respond(const http::Request& req, Page page, std::string_view allow = "GET, HEAD") {
  http::Response res{static_cast<bh::status>(page.status), 11};
  res.set(bh::field::server, "Signet");
  res.set(bh::field::content_type, page.content_type);
  res.set(bh::field::cache_control, "no-store");
  if (page.status == 405) res.set(bh::field::allow, allow);
  if (req.method != bh::verb::head) res.body() = std::move(page.body);
  return res;
}

}  // namespace

boost::asio::awaitable<http::Response> Router::handle(const http::Request& req) const {
  const std::string_view target = req.target;
  const std::string_view path = target.substr(0, target.find('?'));
  // The test CA mode's endpoints, apart from the operator's pages.
  if (path == "/testing" || path.starts_with("/testing/")) {
    if (!s_.testing) {
      co_return respond(req, text(404,
                                  "Nothing here: the /testing/ endpoints exist only in the "
                                  "test CA mode (signet serve --testing)"));
    }
    TestingAnswer a = s_.testing->handle(req);
    co_return respond(req, {a.status, std::move(a.content_type), std::move(a.body)}, a.allow);
  }
  for (const auto& r : kRoutes) {
    if (r.path != path) continue;
    if (req.method != bh::verb::get && req.method != bh::verb::head) {
      co_return respond(req, text(405, "Only GET and HEAD are allowed here"));
    }
    co_return respond(req, r.handler(s_, req));
  }
  co_return respond(req, text(404, "Nothing here; metrics are at /metrics"));
}

http::Response Router::error_response(const core::Error& e) const {
  http::Request req;
  return respond(req, text(http_status(e.type), e.detail));
}

}  // namespace signet::server::admin
