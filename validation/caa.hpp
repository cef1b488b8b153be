#pragma once
// CAA (RFC 8659) with the ACME parameters of RFC 8657: may this CA issue for a name?
#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>
#include <vector>

#include "core/identifier.hpp"
#include "core/result.hpp"
#include "core/status.hpp"

namespace signet::validation {

class Resolver;

struct CaaRecord {
  bool critical = false;
  std::string tag;  // lower-cased
  std::string value;
};

struct CaaRequest {
  std::vector<std::string> issuer_domains;  // this CA's names (directory meta caaIdentities)
  std::string account_uri;                  // for accounturi (RFC 8657 §3)
  core::ChallengeType method = core::ChallengeType::Http01;  // for validationmethods (§4)
  bool wildcard = false;                                     // issuewild applies
};

// Evaluates the relevant RRset (the closest one found by climbing the tree). nullopt
// when issuance is permitted, else why not, naming the record that refused.
std::optional<std::string> caa_refusal(const std::vector<CaaRecord>& rrset, const CaaRequest& req);

// Climbs from the name towards the root to the first non-empty CAA RRset (RFC 8659
// §3) and evaluates it. IP identifiers have no CAA and always pass. Errors are
// `dns` problems (a failed lookup refuses issuance) and `caa` problems.
boost::asio::awaitable<core::Status> check_caa(Resolver& resolver, const core::Identifier& id,
                                               const CaaRequest& req);

}  // namespace signet::validation
