#include "server/frontend.hpp"

#include <array>

#include "server/handlers/handlers.hpp"
#include "server/problem.hpp"

namespace signet::server {

namespace bh = boost::beast::http;
using handlers::Context;
using handlers::HandlerResult;
using handlers::Reply;

namespace {

struct RouteSpec {
  Route route;
  HandlerResult (*handler)(Context&);
  bool get;   // GET (and HEAD) allowed
  bool post;  // POST allowed
};

// RFC 8555 §6.3: only the directory and newNonce answer GET; everything else is POST
// (POST-as-GET for reads). The issuer certificate is public and answers both.
constexpr std::array kRoutes{
    RouteSpec{Route::Directory, handlers::directory, true, false},
    RouteSpec{Route::NewNonce, handlers::new_nonce, true, false},
    RouteSpec{Route::Issuer, handlers::issuer, true, false},
    RouteSpec{Route::NewAccount, handlers::new_account, false, true},
    RouteSpec{Route::Account, handlers::account, false, true},
    RouteSpec{Route::AccountOrders, handlers::account_orders, false, true},
    RouteSpec{Route::KeyChange, handlers::key_change, false, true},
    RouteSpec{Route::NewOrder, handlers::new_order, false, true},
    RouteSpec{Route::Order, handlers::order, false, true},
    RouteSpec{Route::Finalize, handlers::finalize, false, true},
    RouteSpec{Route::Authz, handlers::authorization, false, true},
    RouteSpec{Route::Challenge, handlers::challenge, false, true},
    RouteSpec{Route::Certificate, handlers::certificate, false, true},
    RouteSpec{Route::Revoke, handlers::revoke, false, true},
};

Reply problem_reply(const core::Error& e) {
  const auto p = render_problem(e);
  Reply r{p.status, "application/problem+json", p.body, {}};
  if (e.retry_after) r.header("Retry-After", std::to_string(e.retry_after->count()));
  return r;
}

}  // namespace

Frontend::Frontend(Authority& authority, NonceService& nonces, Urls urls, json::DirectoryMeta meta)
    : authority_(authority), nonces_(nonces), urls_(std::move(urls)), meta_(std::move(meta)) {}

boost::asio::awaitable<http::Response> Frontend::handle(const http::Request& req) {
  const RouteMatch match = Urls::match(req.target);
  const RouteSpec* spec = nullptr;
  for (const auto& s : kRoutes) {
    if (s.route == match.route) spec = &s;
  }
  Reply reply;
  const bool is_get = req.method == bh::verb::get || req.method == bh::verb::head;
  if (spec == nullptr) {
    reply = problem_reply(
        core::make_error(core::ProblemType::NotFound, "No ACME resource at " + req.target));
  } else if ((is_get && !spec->get) || (req.method == bh::verb::post && !spec->post) ||
             (!is_get && req.method != bh::verb::post)) {
    reply = problem_reply(core::make_error(
        core::ProblemType::MethodNotAllowed,
        std::string("Method ") + std::string(bh::to_string(req.method)) + " is not allowed here" +
            (spec->post ? "; use POST (POST-as-GET to read)" : "")));
    reply.header("Allow", spec->post ? "POST" : "GET, HEAD");
  } else {
    Context ctx{authority_, nonces_, urls_, meta_, req, match};
    core::Result<Reply> r = co_await spec->handler(ctx);
    reply = r ? std::move(r).value() : problem_reply(r.error());
  }

  http::Response res{static_cast<bh::status>(reply.status), 11};
  res.set(bh::field::server, "Signet");
  if (!reply.content_type.empty()) res.set(bh::field::content_type, reply.content_type);
  // RFC 8555 §6.5, §7.1: a fresh nonce and the directory link on every response.
  res.set("Replay-Nonce", nonces_.issue());
  res.insert(bh::field::link, "<" + urls_.directory() + ">;rel=\"index\"");
  res.set(bh::field::cache_control, "no-store");
  for (auto& [name, value] : reply.headers) res.insert(name, value);
  if (req.method != bh::verb::head) res.body() = std::move(reply.body);
  co_return res;
}

http::Response Frontend::error_response(const core::Error& e) {
  const Reply reply = problem_reply(e);
  http::Response res{static_cast<bh::status>(reply.status), 11};
  res.set(bh::field::server, "Signet");
  res.set(bh::field::content_type, reply.content_type);
  res.set("Replay-Nonce", nonces_.issue());
  res.insert(bh::field::link, "<" + urls_.directory() + ">;rel=\"index\"");
  res.set(bh::field::cache_control, "no-store");
  res.body() = reply.body;
  return res;
}

}  // namespace signet::server
