#pragma once
// CAA (RFC 8659) with the ACME parameters of RFC 8657: may this CA issue for a name?
#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
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
  // Validated by no ACME method (see ValidationRequest::out_of_band).
  bool out_of_band = false;
};

// Evaluates the relevant RRset (the closest one found by climbing the tree). nullopt
// when issuance is permitted, else why not, naming the record that refused.
std::optional<std::string> caa_refusal(const std::vector<CaaRecord>& rrset, const CaaRequest& req);

// The most names looked up for one identifier: the name and its parents up to and
// including the TLD (RFC 8659 §3 stops only below the root). A deeper name is refused
// with a `caa` problem: looking at only its closest names would skip its parents'
// records (where a domain's owner usually publishes CAA), and looking at only the
// farthest ones would skip the records at and near the name.
inline constexpr std::size_t kMaxCaaNames = 16;

// The names whose CAA RRsets the tree climb needs, the closest first: for "a.b.test",
// "a.b.test", "b.test" and "test".
std::vector<std::string> caa_names(std::string_view name);

// Finds the closest non-empty CAA RRset of the name and its parents (RFC 8659 §3),
// looking all of them up at once, and evaluates it. IP identifiers have no CAA and
// always pass. Errors are `dns` problems (a failed lookup closer than the deciding
// RRset refuses issuance) and `caa` problems (refused, or a name deeper than
// kMaxCaaNames). Ends at once when the awaiting coroutine is cancelled.
boost::asio::awaitable<core::Status> check_caa(Resolver& resolver, const core::Identifier& id,
                                               const CaaRequest& req);

}  // namespace signet::validation
