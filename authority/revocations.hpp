#pragma once
// Revoking certificates: the one place a certificate becomes revoked (ACME revocation
// and the operator's `signet cert revoke` both record it here), and the operator's
// revocations by serial, account or name. Works on storage and a clock alone, so the
// command line revokes beside a running server; the server's CRL publisher sees the
// revocation in the database and signs the shard's CRL again. Thread-safe.
#include <boost/asio/awaitable.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "authority/selection.hpp"
#include "core/clock.hpp"
#include "core/records.hpp"
#include "core/result.hpp"
#include "storage/store.hpp"

namespace signet::authority {

// RFC 5280 §5.3.1 reasons a subscriber may give over ACME (RFC 8555 §7.6):
// unspecified, keyCompromise, affiliationChanged, superseded, cessationOfOperation.
inline constexpr int kSubscriberReasons[] = {0, 1, 3, 4, 5};
// What the operator may give, the reasons BR 7.2.2 allows for subscriber certificates:
// the subscriber's, and privilegeWithdrawn (9). Never caCompromise (2: a compromised
// issuer is revoked itself, not through its leaves), certificateHold (6: BR forbids
// suspension), 7 (unassigned), removeFromCRL (8: delta CRLs only) or aACompromise (10:
// attribute certificates).
inline constexpr int kOperatorReasons[] = {0, 1, 3, 4, 5, 9};

// `badRevocationReason` unless reason is one of `allowed`, naming those that are.
core::Status check_reason(int reason, std::span<const int> allowed);
// A reason by its RFC 5280 name ("keyCompromise") or number; nullopt for neither.
std::optional<int> reason_from_text(std::string_view text);
// The RFC 5280 name of a reason ("unspecified" ... "aACompromise"); the number otherwise.
std::string reason_name(int reason);

// What the operator revokes: one serial, or an account's or a name's valid
// certificates, with a reason.
struct OperatorRevocation {
  CertificateSelection which;
  int reason = 0;
};

struct Revoked {
  core::Certificate certificate;  // as stored after the revocation
  bool newly_revoked = false;     // false: it was revoked before (and keeps that reason)
};

class Revocations {
 public:
  Revocations(storage::Store& store, const core::Clock& clock) : store_(store), clock_(clock) {}

  template <class T>
  using Async = boost::asio::awaitable<core::Result<T>>;

  // Records the revocation of a certificate now, with its audit entry, and logs who
  // asked (`by`, an actor of authority/audit.hpp): false if it was revoked already.
  // Every revocation goes through here.
  Async<bool> record(std::string serial, int reason, std::string by);

  // The operator's revocation, with a reason from kOperatorReasons. A serial must name
  // a certificate that is not revoked (`NotFound` if unknown, `alreadyRevoked`);
  // an account or a name revokes each of its valid (unexpired, unrevoked) certificates,
  // and one revoked meanwhile by someone else is listed as not newly revoked.
  Async<std::vector<Revoked>> revoke(const OperatorRevocation& r);

 private:
  storage::Store& store_;
  const core::Clock& clock_;
};

}  // namespace signet::authority
