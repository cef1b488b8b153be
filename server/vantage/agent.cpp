#include "server/vantage/agent.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/log.hpp"
#include "server/json/vantage.hpp"
#include "server/problem.hpp"

namespace signet::server::vantage {

namespace asio = boost::asio;
namespace bh = boost::beast::http;
using core::ProblemType;

namespace {

http::Response response(int status, const std::string& content_type, std::string body) {
  http::Response res{static_cast<bh::status>(status), 11};
  res.set(bh::field::server, "Signet vantage");
  res.set(bh::field::content_type, content_type);
  res.set(bh::field::cache_control, "no-store");
  res.body() = std::move(body);
  return res;
}

}  // namespace

http::Response Agent::error_response(const core::Error& e) const {
  const auto p = render_problem(e);
  auto res = response(p.status, "application/problem+json", p.body);
  if (e.retry_after) res.set(bh::field::retry_after, std::to_string(e.retry_after->count()));
  return res;
}

asio::awaitable<http::Response> Agent::handle(const http::Request& req) {
  if (req.target != kValidatePath) {
    co_return error_response(
        core::make_error(ProblemType::NotFound, "No vantage resource at " + req.target));
  }
  if (req.method != bh::verb::post) {
    auto res = error_response(
        core::make_error(ProblemType::MethodNotAllowed, "Use POST for " + req.target));
    res.set(bh::field::allow, "POST");
    co_return res;
  }
  const std::string_view type = req.content_type;
  if (type.substr(0, type.find(';')) != "application/json") {
    co_return error_response(core::make_error(ProblemType::UnsupportedMediaType,
                                              "Content-Type must be application/json"));
  }
  auto request = json::decode_validation_request(req.body);
  if (!request) co_return error_response(request.error());

  auto ticket = va_.admit();
  if (!ticket) {
    core::Error busy = core::make_error(ProblemType::RateLimited,
                                        "Too many validations are in progress; retry shortly");
    busy.retry_after = std::chrono::seconds(5);
    co_return error_response(busy);
  }
  const validation::ValidationOutcome outcome = co_await va_.validate(*request);
  core::log_info("validated " + std::string(to_string(request->type)) + " " +
                 request->identifier.value + (request->caa_only ? " (CAA only)" : "") + ": " +
                 (outcome.ok() ? "valid" : "invalid (" + outcome.problem->detail + ")"));
  co_return response(200, "application/json", json::encode_validation_outcome(outcome));
}

}  // namespace signet::server::vantage
