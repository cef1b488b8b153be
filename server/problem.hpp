#pragma once
// The one place that turns a core::Error into an HTTP status and an
// application/problem+json body (RFC 8555 §6.7, RFC 7807).
#include <string>

#include "core/error.hpp"

namespace signet::server {

int http_status(core::ProblemType type);

struct ProblemResponse {
  int status;
  std::string body;
};

// Internal errors are logged with their detail and shown as a generic text. The
// status is the problem type's own, or `status` when it is not 0 (the test mode's
// injected problems).
ProblemResponse render_problem(const core::Error& e, int status = 0);

}  // namespace signet::server
