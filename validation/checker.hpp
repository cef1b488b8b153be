#pragma once
// The interface every challenge checker implements (http-01, dns-01, tls-alpn-01),
// and the values that cross it.
#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/identifier.hpp"
#include "core/status.hpp"
#include "core/validation_record.hpp"
#include "validation/deadline.hpp"

namespace signet::validation {

struct ValidationRequest {
  core::Identifier identifier;  // without "*." for wildcards
  core::ChallengeType type = core::ChallengeType::Http01;
  std::string token;
  std::string key_authorization;  // token "." base64url(JWK thumbprint), RFC 8555 §8.1
  bool wildcard = false;          // the order asked for "*." + identifier (CAA issuewild)
  std::string account_uri;        // the requesting account (CAA accounturi)
  // The CA's CAA issuer domain names (RFC 8659 §4.2). Part of the request so that a
  // remote perspective checks CAA for the CA that asks.
  std::vector<std::string> caa_identities;
  // CAA alone, without the challenge: the recheck before issuance.
  bool caa_only = false;
  // The name was validated outside ACME (an external account key's prevalidated
  // domain), by no challenge type: a CAA validationmethods parameter never lists it.
  bool out_of_band = false;
  // Checks of the requesting account that may run at once (0: no cap); unset: the
  // validation authority's default. Not sent to remote perspectives.
  std::optional<std::size_t> account_slots = std::nullopt;
};

// What a check saw (one record per connection attempt or redirect hop) and, when it
// failed, why. Checkers report; they never write storage.
struct ValidationOutcome {
  std::vector<core::ValidationRecord> records;
  std::optional<core::Error> problem;
  // With remote perspectives: how each vantage point, the primary first, ended. A
  // NotAwaited one's answer goes to the ValidationSink when it comes.
  std::vector<core::PerspectiveResult> perspectives;
  bool ok() const { return !problem.has_value(); }
};

class Checker {
 public:
  virtual ~Checker() = default;
  // Runs one check from this vantage point, within `deadline` (which the validation
  // authority also enforces by cancelling the check when it passes: every wait must
  // end on cancellation). Tells `deadline` what it is doing as it goes; never blocks
  // the calling executor.
  virtual boost::asio::awaitable<ValidationOutcome> check(const ValidationRequest& req,
                                                          Deadline& deadline) = 0;
};

// A short, printable excerpt of what a target sent, safe to show in a problem detail.
std::string sanitize_excerpt(std::string_view raw, std::size_t max = 64);

}  // namespace signet::validation
