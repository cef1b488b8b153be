#include "server/admin/router.hpp"

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>
#include <vector>

#include "core/ascii.hpp"
#include "core/log.hpp"
#include "server/admin/inventory_page.hpp"
#include "server/problem.hpp"

namespace signet::server::admin {
namespace {

namespace bh = boost::beast::http;
using boost::asio::awaitable;

struct Page {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string_view, std::string>> headers{};
};

// A request target split at its "?".
struct Target {
  std::string_view path;
  std::string_view query;
};

struct AdminRoute {
  std::string_view path;  // exact; one ending in "/" (but "/" itself) also names what is under it
  awaitable<Page> (*handler)(const Services&, const Target&);
};

constexpr std::string_view kCertificates = "/certificates/";

Page html(int status, std::string body) {
  return {status, "text/html; charset=utf-8", std::move(body), {}};
}

// The way back to "/" from a path, as a relative link: "./" from "/x", "../" from "/x/y".
std::string home_of(std::string_view path) {
  const auto depth = std::count(path.begin(), path.end(), '/');
  if (depth <= 1) return "./";
  std::string out;
  for (long i = 1; i < depth; ++i) out += "../";
  return out;
}

// A failed read: the detail goes to the log, not to the page.
Page unavailable(const core::Error& e, std::string_view path) {
  core::log_error("admin page " + std::string(path) + ": " + e.detail);
  return html(500, render_problem("The inventory could not be read",
                                  "Reading the database failed; the server's log says why.",
                                  home_of(path)));
}

// The Prometheus text exposition format, version 0.0.4.
awaitable<Page> metrics(const Services& s, const Target&) {
  co_return Page{200, std::string(core::metrics::kContentType), s.metrics->render(), {}};
}

awaitable<Page> inventory(const Services& s, const Target& t) {
  auto q = parse_inventory_query(t.query);
  if (q.error) {
    co_return html(400, render_problem("The query cannot be used", q.error->detail, "./", &q));
  }
  authority::CertificateFilter f;
  f.search = q.search;
  if (q.expiring_days) f.expiring_within = std::chrono::hours(24) * *q.expiring_days;
  f.status = q.status_filter;
  f.limit = kInventoryRows;
  auto listed = co_await s.inventory->certificates(f);
  if (!listed) co_return unavailable(listed.error(), t.path);
  const auto window = std::chrono::hours(24) * q.expiring_days.value_or(kDefaultWindowDays);
  auto overview = co_await s.inventory->overview(window, kChartDays);
  if (!overview) co_return unavailable(overview.error(), t.path);
  co_return html(200, render_inventory({std::move(q), std::move(listed).value(), kInventoryRows,
                                        std::move(overview).value()}));
}

// /certificates/<serial> and /certificates/<serial>.pem; the serial in hex, any case.
awaitable<Page> certificate(const Services& s, const Target& t) {
  std::string_view rest = t.path.substr(kCertificates.size());
  const bool pem = rest.ends_with(".pem");
  if (pem) rest.remove_suffix(4);
  const std::string serial = core::ascii_lower(rest);
  const bool hex = !serial.empty() && serial.size() <= 40 &&
                   serial.find_first_not_of("0123456789abcdef") == std::string::npos;
  const auto not_found = [&] {
    return html(404, render_problem("No such certificate",
                                    "No certificate has serial \"" + std::string(rest) +
                                        "\"; serials are hexadecimal, as the inventory lists them.",
                                    home_of(t.path)));
  };
  if (!hex) co_return not_found();
  auto c = co_await s.inventory->certificate(serial);
  if (!c) {
    if (c.error().type == core::ProblemType::NotFound) co_return not_found();
    co_return unavailable(c.error(), t.path);
  }
  if (pem) {
    // RFC 8555 §9.1: the chain as the ACME client downloaded it.
    co_return Page{200,
                   "application/pem-certificate-chain",
                   c->chain_pem,
                   {{"Content-Disposition", "attachment; filename=\"" + serial + ".pem\""}}};
  }
  co_return html(200, render_certificate(*c, s.inventory->now()));
}

constexpr std::array kRoutes{
    AdminRoute{"/", inventory},
    AdminRoute{"/metrics", metrics},
    AdminRoute{kCertificates, certificate},
};

bool matches(std::string_view route, std::string_view path) {
  if (route == path) return true;
  return route.size() > 1 && route.ends_with('/') && path.size() > route.size() &&
         path.starts_with(route);
}

Page text(int status, std::string body) {
  return {status, "text/plain; charset=utf-8", std::move(body) + "\n", {}};
}

http::Response respond(const http::Request& req, Page page, std::string_view allow = "GET, HEAD") {
  http::Response res{static_cast<bh::status>(page.status), 11};
  res.set(bh::field::server, "Signet");
  res.set(bh::field::content_type, page.content_type);
  res.set(bh::field::cache_control, "no-store");
  // The pages run no script and load nothing: inline styles and SVG only.
  res.set("Content-Security-Policy",
          "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
          "base-uri 'none'; frame-ancestors 'none'");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  for (auto& [name, value] : page.headers) res.set(name, std::move(value));
  if (page.status == 405) res.set(bh::field::allow, allow);
  if (req.method != bh::verb::head) res.body() = std::move(page.body);
  return res;
}

}  // namespace

awaitable<http::Response> Router::handle(const http::Request& req) const {
  const std::string_view target = req.target;
  const auto q = target.find('?');
  const Target t{target.substr(0, q),
                 q == std::string_view::npos ? std::string_view{} : target.substr(q + 1)};
  // The test CA mode's endpoints, apart from the operator's pages.
  if (t.path == "/testing" || t.path.starts_with("/testing/")) {
    if (!s_.testing) {
      co_return respond(req, text(404,
                                  "Nothing here: the /testing/ endpoints exist only in the "
                                  "test CA mode (signet serve --testing)"));
    }
    TestingAnswer a = s_.testing->handle(req);
    co_return respond(req, {a.status, std::move(a.content_type), std::move(a.body)}, a.allow);
  }
  for (const auto& r : kRoutes) {
    if (!matches(r.path, t.path)) continue;
    if (req.method != bh::verb::get && req.method != bh::verb::head) {
      co_return respond(req, text(405, "Only GET and HEAD are allowed here"));
    }
    co_return respond(req, co_await r.handler(s_, t));
  }
  co_return respond(req, html(404, render_problem("Nothing here",
                                                  "The certificate inventory is at / and the "
                                                  "metrics are at /metrics.",
                                                  home_of(t.path))));
}

http::Response Router::error_response(const core::Error& e) const {
  http::Request req;
  return respond(req, text(http_status(e.type), e.detail));
}

}  // namespace signet::server::admin
