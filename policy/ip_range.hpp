#pragma once
// IP address ranges (CIDR blocks) for the identifier policy. Value types.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace signet::policy {

struct IpRange {
  enum class Family { V4, V6 };
  Family family = Family::V4;
  std::array<std::uint8_t, 16> network{};  // IPv4 uses the first four bytes
  unsigned prefix = 0;                     // host bits of `network` are zero

  static IpRange all_v4() { return {Family::V4, {}, 0}; }
  static IpRange all_v6() { return {Family::V6, {}, 0}; }

  // Whether `address` (IPv4 or IPv6 text) lies in the range; false for text that is no
  // address. An IPv4-mapped IPv6 address (::ffff:192.0.2.1) is judged as the IPv4
  // address it carries.
  bool contains(std::string_view address) const;
  // "10.0.0.0/8", "2001:db8::/32".
  std::string to_string() const;
  bool operator==(const IpRange&) const = default;
};

// Parses "10.0.0.0/8", "::/0" or a bare address ("192.0.2.1" is 192.0.2.1/32). Refused,
// with the reason: text that is no address, a prefix length out of range, and host bits
// set below the prefix ("10.0.0.1/8").
core::Result<IpRange> parse_ip_range(std::string_view cidr);

}  // namespace signet::policy
