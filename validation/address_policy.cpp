#include "validation/address_policy.hpp"

namespace signet::validation {
namespace ip = boost::asio::ip;

namespace {
// IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
ip::address unmap(const ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return ip::make_address_v4(ip::v4_mapped, a.to_v6());
  }
  return a;
}
}  // namespace

std::optional<Cidr> Cidr::parse(const std::string& text) {
  const auto slash = text.find('/');
  boost::system::error_code ec;
  auto addr = ip::make_address(text.substr(0, slash), ec);
  if (ec) return std::nullopt;
  const unsigned max = addr.is_v4() ? 32 : 128;
  unsigned prefix = max;
  if (slash != std::string::npos) {
    const std::string p = text.substr(slash + 1);
    if (p.empty() || p.size() > 3 || p.find_first_not_of("0123456789") != std::string::npos) {
      return std::nullopt;
    }
    prefix = static_cast<unsigned>(std::stoul(p));
    if (prefix > max) return std::nullopt;
  }
  return Cidr{addr, prefix};
}

bool Cidr::contains(const ip::address& in) const {
  const ip::address a = unmap(in);
  if (a.is_v4() != network.is_v4()) return false;
  auto match = [&](const auto& x, const auto& y) {
    for (unsigned bit = 0; bit < prefix; ++bit) {
      const unsigned byte = bit / 8, mask = 0x80u >> (bit % 8);
      if ((x[byte] & mask) != (y[byte] & mask)) return false;
    }
    return true;
  };
  if (a.is_v4()) return match(a.to_v4().to_bytes(), network.to_v4().to_bytes());
  return match(a.to_v6().to_bytes(), network.to_v6().to_bytes());
}

std::string Cidr::to_string() const {
  return network.to_string() + "/" + std::to_string(prefix);
}

AddressPolicy::AddressPolicy(std::vector<Cidr> allow, std::vector<Cidr> deny)
    : allow_(std::move(allow)) {
  const std::pair<const char*, const char*> defaults[] = {
      {"127.0.0.0/8", "loopback"},
      {"::1/128", "loopback"},
      {"0.0.0.0/8", "unspecified"},
      {"::/128", "unspecified"},
      {"169.254.0.0/16", "link-local"},
      {"fe80::/10", "link-local"},
      {"fd00:ec2::254/128", "cloud metadata"},
      {"100.100.100.200/32", "cloud metadata"},
      {"224.0.0.0/4", "multicast"},
      {"ff00::/8", "multicast"},
      {"255.255.255.255/32", "broadcast"},
  };
  for (const auto& [cidr, why] : defaults) deny_.emplace_back(*Cidr::parse(cidr), why);
  for (auto& d : deny) deny_.emplace_back(std::move(d), "denied by configuration");
}

std::optional<std::string> AddressPolicy::check(const ip::address& a) const {
  for (const auto& c : allow_) {
    if (c.contains(a)) return std::nullopt;
  }
  for (const auto& [c, why] : deny_) {
    if (c.contains(a))
      return why + " address " + unmap(a).to_string() + " is not allowed for validation";
  }
  return std::nullopt;
}

}  // namespace signet::validation
