#pragma once
// Where a connection-based check (http-01, tls-alpn-01) may connect for a host: its
// addresses as resolved, filtered by the address policy, one per family (IPv6 first).
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>

#include <string>
#include <vector>

#include "core/result.hpp"
#include "validation/address_policy.hpp"
#include "validation/resolver.hpp"

namespace signet::validation {

// The addresses to try, in order. Every address found is written to `resolved`
// (for the validation record) even when the policy refuses them all. A literal IP
// host is used as it is. Errors: the resolver's `dns` problem, or a `connection`
// problem when the policy refuses every address.
boost::asio::awaitable<core::Result<std::vector<boost::asio::ip::address>>> resolve_targets(
    Resolver& resolver, const AddressPolicy& policy, const std::string& host,
    std::vector<std::string>& resolved);

}  // namespace signet::validation
