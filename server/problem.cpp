#include "server/problem.hpp"

#include "core/log.hpp"
#include "server/jose/jws.hpp"
#include "server/json/encode.hpp"

namespace signet::server {

int http_status(core::ProblemType type) {
  using core::ProblemType;
  switch (type) {
    case ProblemType::DeactivatedAccount:
      return 401;
    case ProblemType::Unauthorized:
    case ProblemType::OrderNotReady:
    case ProblemType::UserActionRequired:
      return 403;
    case ProblemType::NotFound:
      return 404;
    case ProblemType::MethodNotAllowed:
      return 405;
    case ProblemType::Conflict:
    case ProblemType::AlreadyReplaced:  // RFC 9773 §5
      return 409;
    case ProblemType::PayloadTooLarge:
      return 413;
    case ProblemType::UnsupportedMediaType:
      return 415;
    case ProblemType::RateLimited:
      return 429;
    case ProblemType::ServerInternal:
      return 500;
    default:
      return 400;
  }
}

ProblemResponse render_problem(const core::Error& e, int status) {
  if (status == 0) status = http_status(e.type);
  if (e.type == core::ProblemType::ServerInternal) {
    core::log_error("internal error: " + e.detail);
    core::Error shown =
        core::make_error(e.type, "An internal error occurred; the server log has details");
    return {status, json::encode_problem(shown, status, {})};
  }
  return {status, json::encode_problem(e, status, jose::supported_algorithms())};
}

}  // namespace signet::server
