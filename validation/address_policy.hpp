#pragma once
// Which addresses validation may connect to. Applied to every resolved address and
// every redirect target. Immutable after construction; thread-safe.
#include <boost/asio/ip/address.hpp>

#include <optional>
#include <string>
#include <vector>

namespace signet::validation {

struct Cidr {
  boost::asio::ip::address network;
  unsigned prefix = 0;

  // "10.0.0.0/8", "2001:db8::/32", or a bare address (a /32 or /128).
  static std::optional<Cidr> parse(const std::string& text);
  bool contains(const boost::asio::ip::address& a) const;
  std::string to_string() const;
};

class AddressPolicy {
 public:
  // By default loopback, link-local (which holds the cloud metadata endpoints),
  // unspecified, multicast and broadcast addresses, and the IPv6 metadata address
  // fd00:ec2::254 are refused; private ranges are allowed (an internal CA validates
  // internal hosts). `allow` lists ranges accepted even so; `deny` adds refusals.
  explicit AddressPolicy(std::vector<Cidr> allow = {}, std::vector<Cidr> deny = {});

  // nullopt if allowed, else why not.
  std::optional<std::string> check(const boost::asio::ip::address& a) const;

 private:
  std::vector<Cidr> allow_;
  std::vector<std::pair<Cidr, std::string>> deny_;
};

}  // namespace signet::validation
