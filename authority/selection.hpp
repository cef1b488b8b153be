#pragma once
// What an operator's command names (`signet cert renew-early`, `cert revoke`, `cert
// show`): one certificate by serial, or the current certificates of an account or for
// a name. On storage alone.
#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/records.hpp"
#include "core/result.hpp"
#include "storage/store.hpp"

namespace signet::authority {

// One of a serial, an account, a name.
struct CertificateSelection {
  std::optional<std::string> serial{};  // lower-case hex, no separators
  std::optional<core::AccountId> account{};
  std::optional<core::Identifier> name{};  // as issued ("*.example.com" for a wildcard)
};

// The certificate with this serial, whatever its state; `NotFound` when there is none.
boost::asio::awaitable<core::Result<core::Certificate>> find_certificate(storage::Store& store,
                                                                         const std::string& serial);
// The certificate a serial names (as find_certificate), or the current (unexpired,
// unrevoked) certificates of an account or for a name, soonest expiry first (none is
// not an error); `malformed` when nothing is named.
boost::asio::awaitable<core::Result<std::vector<core::Certificate>>> select_certificates(
    storage::Store& store, const CertificateSelection& s, core::TimePoint now);

}  // namespace signet::authority
