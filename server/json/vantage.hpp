#pragma once
// The JSON a Signet server and its `signet vantage` agents exchange: one validation
// request (POST /v1/validate) and its outcome, as seen from the agent.
//
//   request:  {"identifier": {"type": "dns", "value": "a.example"},
//              "challenge": "dns-01", "token": "...", "keyAuthorization": "...",
//              "wildcard": false, "accountUri": "https://...", "caaIdentities": [...],
//              "caaOnly": false}
//   outcome:  {"status": "valid" | "invalid", "error": {problem document},
//              "validationRecord": [...]}
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "validation/checker.hpp"

namespace signet::server::json {

std::string encode_validation_request(const validation::ValidationRequest& r);
core::Result<validation::ValidationRequest> decode_validation_request(std::string_view body);

std::string encode_validation_outcome(const validation::ValidationOutcome& o);
core::Result<validation::ValidationOutcome> decode_validation_outcome(std::string_view body);
// The problem document an agent refused a request with; nullopt if it is not one.
std::optional<core::Error> decode_problem(std::string_view body);

}  // namespace signet::server::json
