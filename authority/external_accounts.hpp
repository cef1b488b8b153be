#pragma once
// External account keys (RFC 8555 §7.3.4): created, listed, shown and revoked by the
// operator (`signet eab`), and looked up when a newAccount carries a binding or a
// bound account orders. It keeps nothing of its own: every answer comes from the
// Store, so the command line and a running server on the same database see the same
// keys. Thread-safe.
#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/records.hpp"
#include "core/result.hpp"
#include "storage/store.hpp"

namespace signet::authority {

struct NewEabKey {
  std::optional<std::string> kid;  // 1-64 of A-Z a-z 0-9 . _ -; random when not given
  std::string note;
  std::vector<std::string> allowed_domains;
  std::vector<std::string> prevalidated_domains;
  std::vector<std::string> profiles;
  std::optional<core::Seconds> max_validity;
  bool reusable = false;
};

class ExternalAccounts {
 public:
  ExternalAccounts(storage::Store& store, const core::Clock& clock)
      : store_(store), clock_(clock) {}

  template <class T>
  using Async = boost::asio::awaitable<core::Result<T>>;

  // A new key with a fresh 32-byte HMAC key. `malformed` for a kid or a domain that
  // is not well-formed, or prevalidated domains outside the allowed ones; `conflict`
  // if the kid exists.
  Async<core::EabKey> create(NewEabKey k);
  // Every key, oldest first.
  Async<std::vector<core::EabKey>> list();
  // `notFound` for an unknown kid.
  Async<core::EabKey> show(const std::string& kid);
  // The accounts bound to a key, oldest first.
  Async<std::vector<core::AccountId>> accounts(const std::string& kid);
  // Stops new bindings with the key, and orders of the accounts bound to it.
  // `notFound` for an unknown kid, `malformed` if it was revoked already.
  Async<core::EabKey> revoke(const std::string& kid);

  // The key a newAccount binding names, if it may bind one more account:
  // `unauthorized` if it is unknown, revoked, or single-use and bound already. (The
  // binding itself is taken with the account, in storage.)
  Async<core::EabKey> for_binding(const std::string& kid);
  // The key a bound account's orders and finalizations are checked against:
  // `unauthorized` once it is revoked.
  Async<core::EabKey> of_account(const core::Account& a);

 private:
  storage::Store& store_;
  const core::Clock& clock_;
};

}  // namespace signet::authority
