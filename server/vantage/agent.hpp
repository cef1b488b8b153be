#pragma once
// `signet vantage`: the HTTP side of a remote vantage agent. It answers one resource,
// POST /v1/validate, by running the requested check and CAA from where it runs, with
// its own resolvers, and returning what it saw. The listener in front of it requires
// a client certificate from Signet's CA with the TLS client usage.
#include <boost/asio/awaitable.hpp>

#include "server/http/types.hpp"
#include "validation/validation_authority.hpp"

namespace signet::server::vantage {

inline constexpr const char* kValidatePath = "/v1/validate";

class Agent {
 public:
  explicit Agent(validation::ValidationAuthority& va) : va_(va) {}

  // parse → admit → validate (on the validation executor) → respond.
  boost::asio::awaitable<http::Response> handle(const http::Request& req);
  // A problem document for a request the HTTP layer refused.
  http::Response error_response(const core::Error& e) const;

 private:
  validation::ValidationAuthority& va_;
};

}  // namespace signet::server::vantage
