#include "server/frontend.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <openssl/rand.h>

#include "core/ascii.hpp"
#include "core/log.hpp"
#include "server/handlers/handlers.hpp"
#include "server/problem.hpp"
#include "server/routes.hpp"

namespace signet::server {

namespace asio = boost::asio;
namespace bh = boost::beast::http;
using handlers::Context;
using handlers::Reply;

namespace {

// A request id's prefix: 4 random bytes in hex, then "-" (the sequence number follows).
std::string request_id_prefix() {
  unsigned char bytes[4];
  RAND_bytes(bytes, sizeof bytes);
  return core::hex_lower(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes)) +
         "-";
}

std::string allowed_methods(unsigned methods) {
  std::string out;
  if (methods & kGet) out = "GET, HEAD";
  if (methods & kPost) out += out.empty() ? "POST" : ", POST";
  return out;
}

}  // namespace

Frontend::Frontend(authority::Authority& authority, Nonces& nonces, Urls urls,
                   json::DirectoryMeta meta, std::chrono::milliseconds deadline,
                   std::shared_ptr<core::metrics::Registry> metrics,
                   std::shared_ptr<TestMode> testing)
    : authority_(authority),
      nonces_(nonces),
      urls_(std::move(urls)),
      meta_(std::make_shared<const json::DirectoryMeta>(std::move(meta))),
      deadline_(deadline),
      metrics_(core::metrics::or_private(std::move(metrics))),
      testing_(std::move(testing)),
      requests_(metrics_->counter("signet_http_requests_total",
                                  "HTTP requests answered, by route (its path pattern; none for "
                                  "no route) and status.",
                                  {"route", "status"})),
      latency_(metrics_->histogram("signet_http_request_duration_seconds",
                                   "Time from a complete request to its response, by route.",
                                   {"route"}, core::metrics::latency_buckets())),
      problems_(metrics_->counter("signet_problems_total",
                                  "Problem documents sent, by ACME problem type.", {"type"})),
      request_id_prefix_(request_id_prefix()) {}

Reply Frontend::problem_reply(const core::Error& e, int status) {
  problems_.with({core::problem_type_name(e.type)}).inc();
  const auto p = render_problem(e, status);
  Reply r{p.status, "application/problem+json", p.body, {}};
  if (e.retry_after) r.header("Retry-After", std::to_string(e.retry_after->count()));
  return r;
}

void Frontend::record(const http::Request& req, const http::Response& res, const Outcome& out,
                      std::chrono::steady_clock::time_point began) {
  const Route route = match_route(req.target).route;
  const std::string_view name = route == Route::NotFound ? "none" : route_spec(route).path;
  const auto elapsed = std::chrono::steady_clock::now() - began;
  requests_.with({name, std::to_string(res.result_int())}).inc();
  latency_.with({name}).observe(std::chrono::duration<double>(elapsed).count());
  if (!core::log_enabled(core::LogLevel::Info)) return;
  const auto id = res.find("X-Request-Id");
  core::log_info(
      "request",
      {{"id", id == res.end() ? std::string_view() : std::string_view(id->value())},
       {"method", std::string_view(bh::to_string(req.method))},
       {"route", name},
       {"status", res.result_int()},
       {"account", out.account},
       {"problem", out.problem},
       {"latency_us", static_cast<std::int64_t>(
                          std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count())},
       {"client", req.client_ip}});
}

void Frontend::set_meta(json::DirectoryMeta meta) {
  meta_.store(std::make_shared<const json::DirectoryMeta>(std::move(meta)));
}

struct Frontend::Pending {
  explicit Pending(const asio::any_io_executor& ex) : timer(ex) {}
  asio::steady_timer timer;
  std::optional<http::Response> response;
  Outcome outcome;  // written by the work, read once it answered (the same strand)
};

asio::awaitable<http::Response> Frontend::handle(const http::Request& req) {
  const auto began = std::chrono::steady_clock::now();
  // The work owns its request, so that it can outlive the deadline; it and the wait
  // for it run on the connection's executor, a strand (http::Listener).
  auto pending = std::make_shared<Pending>(co_await asio::this_coro::executor);
  auto request = std::make_shared<const http::Request>(req);
  auto [res, outcome] = co_await await_with_deadline(pending, request);
  // Quoted in problem reports and found in the log.
  res.set("X-Request-Id",
          request_id_prefix_ + std::to_string(next_request_.fetch_add(1, std::memory_order_relaxed)));
  record(req, res, outcome, began);
  co_return std::move(res);
}

asio::awaitable<std::pair<http::Response, Frontend::Outcome>> Frontend::await_with_deadline(
    std::shared_ptr<Pending> pending, std::shared_ptr<const http::Request> request) {
  pending->timer.expires_after(deadline_);
  asio::co_spawn(pending->timer.get_executor(), work(pending, request), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      core::log_error(std::string("request failed: ") + x.what());
    }
  });
  // co_spawn may have run the work to its end already (it dispatches on this strand).
  if (!pending->response) {
    boost::system::error_code ec;
    co_await pending->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (pending->response) co_return std::pair{std::move(*pending->response), pending->outcome};
  core::log_warn("request " + request->target + " unanswered after " +
                 std::to_string(deadline_.count()) + " ms");
  core::Error late = core::internal_error("deadline passed");
  late.detail = "The server took too long to answer this request; retry shortly";
  late.retry_after = std::chrono::seconds(5);
  co_return std::pair{finish(*request, problem_reply(late)),
                      Outcome{pending->outcome.account, "serverInternal"}};
}

asio::awaitable<void> Frontend::work(std::shared_ptr<Pending> pending,
                                     std::shared_ptr<const http::Request> request) {
  auto response = co_await respond(*request, pending->outcome);
  pending->response = std::move(response);
  pending->timer.cancel();
}

asio::awaitable<http::Response> Frontend::respond(const http::Request& req, Outcome& out) {
  const auto problem_reply = [this, &out](const core::Error& e, int status = 0) {
    out.problem = core::problem_type_name(e.type);
    return this->problem_reply(e, status);
  };
  const RouteMatch match = match_route(req.target);
  if (match.route == Route::NotFound) {
    co_return finish(req, problem_reply(core::make_error(core::ProblemType::NotFound,
                                                         "No ACME resource at " + req.target)));
  }
  const RouteSpec& spec = route_spec(match.route);
  if (!req.secure && !spec.relying_party) {
    co_return finish(req, problem_reply(core::make_error(
                              core::ProblemType::NotFound,
                              "Only CRLs and OCSP are served over plain HTTP; ACME is at " +
                                  urls_.directory())));
  }
  const bool is_get = req.method == bh::verb::get || req.method == bh::verb::head;
  const bool is_post = req.method == bh::verb::post;
  if ((is_get && !(spec.methods & kGet)) || (is_post && !(spec.methods & kPost)) ||
      (!is_get && !is_post)) {
    Reply reply = problem_reply(core::make_error(
        core::ProblemType::MethodNotAllowed,
        std::string("Method ") + std::string(bh::to_string(req.method)) + " is not allowed here" +
            (spec.methods & kPost ? "; use POST (POST-as-GET to read)" : "")));
    reply.header("Allow", allowed_methods(spec.methods));
    co_return finish(req, std::move(reply));
  }
  const auto meta = meta_.load();  // held until the reply is built
  Context ctx{authority_, nonces_, keys_, urls_, *meta, req, match};
  ctx.testing = testing_.get();
  std::optional<handlers::SignedRequest> signed_request;
  // A resource that answers GET takes POST-as-GET too, authenticated by an account;
  // relying parties' resources are never authenticated.
  const Auth auth =
      spec.auth == Auth::None && is_post && !spec.relying_party ? Auth::Kid : spec.auth;
  if (auth != Auth::None) {
    auto authenticated = co_await handlers::authenticate(ctx, auth);
    if (!authenticated) co_return finish(req, problem_reply(authenticated.error()));
    signed_request.emplace(std::move(authenticated).value());
    ctx.signed_request = &*signed_request;
    if (signed_request->account) out.account = signed_request->account->id.value;
  }
  // The test mode's injected problems: after routing and authentication, in place of
  // the handler (only the resources a rule names, the directory included).
  if (testing_) {
    if (auto injected = testing_->inject(match.route)) {
      co_return finish(req, problem_reply(injected->problem, injected->status));
    }
  }
  core::Result<Reply> r = co_await spec.handler(ctx);
  if (spec.relying_party && r) co_return finish_public(req, std::move(r).value());
  co_return finish(req, r ? std::move(r).value() : problem_reply(r.error()));
}

http::Response Frontend::finish_public(const http::Request& req, Reply reply) {
  http::Response res{static_cast<bh::status>(reply.status), 11};
  res.set(bh::field::server, "Signet");
  if (!reply.content_type.empty()) res.set(bh::field::content_type, reply.content_type);
  for (auto& [name, value] : reply.headers) res.insert(name, value);
  if (req.method != bh::verb::head) res.body() = std::move(reply.body);
  return res;
}

http::Response Frontend::finish(const http::Request& req, Reply reply) {
  http::Response res = finish_public(req, std::move(reply));
  // RFC 8555 §6.5, §7.1: a fresh nonce and the directory link on every response.
  res.set("Replay-Nonce", nonces_.issue());
  res.insert(bh::field::link, "<" + urls_.directory() + ">;rel=\"index\"");
  res.set(bh::field::cache_control, "no-store");
  return res;
}

http::Response Frontend::error_response(const core::Error& e) {
  http::Request post;
  post.method = bh::verb::post;
  return finish(post, problem_reply(e));
}

}  // namespace signet::server
