#pragma once
// The records of a raw DNS response, as c-ares hands it to a query's callback, read into
// what the Resolver reports. Kept apart from the c-ares channel so that it can be tested
// and fuzzed on bytes alone. Pure; thread-safe.
#include <boost/asio/ip/address.hpp>

#include <span>
#include <string>
#include <vector>

#include "validation/caa.hpp"

namespace signet::validation {

inline constexpr int kDnsTypeCaa = 257;  // RFC 8659

struct DnsAnswer {
  int status = 0;  // an ARES_* status: ARES_SUCCESS (0), or why the response was refused
  std::vector<boost::asio::ip::address> addresses;  // A or AAAA (at most 64 of each)
  std::vector<std::string> texts;                   // TXT: each record's strings joined
  std::vector<CaaRecord> caa;                       // CAA, tags lower-cased
};

// Reads the response to a query of `type` (ns_t_a, ns_t_aaaa, ns_t_txt or kDnsTypeCaa;
// any other type gives an empty answer). A and AAAA answers follow the CNAME chain the
// response carries for the queried name (c-ares' reply parsers).
DnsAnswer parse_dns_answer(int type, std::span<const unsigned char> message);

}  // namespace signet::validation
