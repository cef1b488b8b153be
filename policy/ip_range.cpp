#include "policy/ip_range.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <optional>

namespace signet::policy {
namespace {

struct Address {
  IpRange::Family family;
  std::array<std::uint8_t, 16> bytes{};
};

std::optional<Address> parse_address(std::string_view text) {
  const std::string z(text);
  Address a{IpRange::Family::V4, {}};
  if (inet_pton(AF_INET, z.c_str(), a.bytes.data()) == 1) return a;
  a.family = IpRange::Family::V6;
  if (inet_pton(AF_INET6, z.c_str(), a.bytes.data()) == 1) return a;
  return std::nullopt;
}

// ::ffff:a.b.c.d (RFC 4291 §2.5.5.2) becomes a.b.c.d.
Address unmap(Address a) {
  constexpr std::array<std::uint8_t, 12> kMapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (a.family == IpRange::Family::V6 &&
      std::equal(kMapped.begin(), kMapped.end(), a.bytes.begin())) {
    Address v4{IpRange::Family::V4, {}};
    std::copy_n(a.bytes.begin() + 12, 4, v4.bytes.begin());
    return v4;
  }
  return a;
}

bool bit(const std::array<std::uint8_t, 16>& bytes, unsigned i) {
  return (bytes[i / 8] & (0x80u >> (i % 8))) != 0;
}

core::Error bad(std::string_view cidr, std::string why) {
  return core::make_error(core::ProblemType::Malformed,
                          "\"" + std::string(cidr) + "\" is not an IP range: " + std::move(why));
}

}  // namespace

bool IpRange::contains(std::string_view address) const {
  const auto parsed = parse_address(address);
  if (!parsed) return false;
  const Address a = unmap(*parsed);
  if (a.family != family) return false;
  for (unsigned i = 0; i < prefix; ++i) {
    if (bit(a.bytes, i) != bit(network, i)) return false;
  }
  return true;
}

std::string IpRange::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family == Family::V4 ? AF_INET : AF_INET6, network.data(), buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(prefix);
}

core::Result<IpRange> parse_ip_range(std::string_view cidr) {
  const auto slash = cidr.find('/');
  const auto parsed = parse_address(cidr.substr(0, slash));
  if (!parsed) return bad(cidr, "not an IPv4 or IPv6 address");
  IpRange r{parsed->family, parsed->bytes, 0};
  const unsigned max = r.family == IpRange::Family::V4 ? 32 : 128;
  r.prefix = max;
  if (slash != std::string_view::npos) {
    const auto digits = cidr.substr(slash + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), r.prefix);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() ||
        r.prefix > max) {
      return bad(cidr, "the prefix length must be a number from 0 to " + std::to_string(max));
    }
  }
  for (unsigned i = r.prefix; i < max; ++i) {
    if (bit(r.network, i)) {
      IpRange masked = r;
      for (unsigned j = r.prefix; j < max; ++j) masked.network[j / 8] &= ~(0x80u >> (j % 8));
      return bad(cidr,
                 "bits are set below the prefix length (did you mean " + masked.to_string() + "?)");
    }
  }
  return r;
}

}  // namespace signet::policy
