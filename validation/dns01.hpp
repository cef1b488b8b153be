#pragma once
// dns-01 (RFC 8555 §8.4): a TXT record at _acme-challenge.<name> holding
// base64url(SHA-256(key authorization)); any matching record passes.
#include <memory>

#include "validation/checker.hpp"
#include "validation/resolver.hpp"

namespace signet::validation {

// Thread-safe: holds only the shared resolver.
class Dns01Checker final : public Checker {
 public:
  explicit Dns01Checker(std::shared_ptr<Resolver> resolver) : resolver_(std::move(resolver)) {}
  boost::asio::awaitable<ValidationOutcome> check(const ValidationRequest& req,
                                                  Deadline& deadline) override;

  // The TXT value a client publishes for a key authorization.
  static std::string expected_txt(std::string_view key_authorization);

 private:
  std::shared_ptr<Resolver> resolver_;
};

}  // namespace signet::validation
