#include "validation/targets.hpp"

#include <algorithm>

namespace signet::validation {

namespace ip = boost::asio::ip;

boost::asio::awaitable<core::Result<std::vector<ip::address>>> resolve_targets(
    Resolver& resolver, const AddressPolicy& policy, const std::string& host,
    std::vector<std::string>& resolved) {
  std::vector<ip::address> addrs;
  boost::system::error_code ec;
  const auto literal = ip::make_address(host, ec);
  if (!ec) {
    addrs.push_back(literal);
  } else {
    auto r = co_await resolver.lookup_ip(host);
    if (!r) co_return std::move(r).error();
    addrs = std::move(r).value();
  }
  for (const auto& a : addrs) resolved.push_back(a.to_string());
  std::vector<ip::address> out;
  std::string denied;
  for (const auto& a : addrs) {
    if (auto why = policy.check(a)) {
      if (denied.empty()) denied = *why;
      continue;
    }
    const bool have_family = std::any_of(
        out.begin(), out.end(), [&](const ip::address& x) { return x.is_v6() == a.is_v6(); });
    if (!have_family) out.push_back(a);
  }
  if (out.empty()) co_return core::make_error(core::ProblemType::Connection, host + ": " + denied);
  co_return out;
}

}  // namespace signet::validation
