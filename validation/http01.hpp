#pragma once
// http-01 (RFC 8555 §8.3): fetch http://<identifier>/.well-known/acme-challenge/<token>
// and compare the body with the key authorization. Problems quote what came back only
// from that original URL (short and sanitized). A response after a redirect is
// described by its status and length; a URL taken from one is named "the target of
// redirect N" in problems, and its record holds only the addresses resolved and used.
#include <boost/asio/ssl/context.hpp>

#include <cstdint>
#include <memory>

#include "validation/address_policy.hpp"
#include "validation/checker.hpp"
#include "validation/resolver.hpp"

namespace signet::validation {

struct Http01Config {
  uint16_t port = 80;         // where the first request goes
  uint16_t https_port = 443;  // redirects may go to https on this port (or 443)
  std::size_t max_body = 8192;
  int max_redirects = 10;
  std::string user_agent = "Signet-VA/0.1";
};

// Thread-safe: holds only immutable configuration and shared services.
class Http01Checker final : public Checker {
 public:
  Http01Checker(Http01Config config, std::shared_ptr<Resolver> resolver, AddressPolicy policy);
  // Within `deadline`: every lookup, connection and redirect.
  boost::asio::awaitable<ValidationOutcome> check(const ValidationRequest& req,
                                                  Deadline& deadline) override;

 private:
  Http01Config config_;
  std::shared_ptr<Resolver> resolver_;
  AddressPolicy policy_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
};

}  // namespace signet::validation
