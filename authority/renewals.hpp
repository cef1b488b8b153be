#pragma once
// Renewal information (RFC 9773): certificate identifiers (certIDs), the renewal
// window Signet suggests for a certificate, and early renewal asked for by an
// administrator. Renewals works on storage and a clock alone, so that the ACME front
// end (through the Authority) and the command line (`signet cert renew-early`, on
// the data directory of a running server) share it. Thread-safe.
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "authority/selection.hpp"
#include "ca/issuer.hpp"
#include "core/clock.hpp"
#include "core/identifier.hpp"
#include "core/records.hpp"
#include "core/result.hpp"
#include "storage/store.hpp"

namespace signet::authority {

// RFC 9773 §4.1: base64url(AKI keyIdentifier) "." base64url(serial), where the serial
// is the content octets of its DER INTEGER (a leading zero when the top bit is set),
// both without padding.
struct CertId {
  std::string key_id;  // the keyIdentifier octets
  std::string serial;  // lower-case hex as Signet spells serials (at least 16 octets)
};

// `malformed` for anything that is not a certID: no dot or more than one, an empty
// part, padding or characters outside base64url, a serial that is not a minimal
// positive DER INTEGER or is longer than RFC 5280 allows (20 octets).
core::Result<CertId> parse_cert_id(std::string_view text);
// The certID of a key identifier (octets) and a serial (hex, as Signet spells it).
std::string encode_cert_id(std::string_view key_id, std::string_view serial_hex);
// The certID of a DER certificate, from its own AKI and serial; nullopt if it has no
// AKI keyIdentifier or cannot be read.
std::optional<std::string> cert_id_of(const std::string& der);
// The subject key identifier of an issuer's certificate (what the AKI of every
// certificate it signs carries); empty if it has none.
std::string key_identifier_of(const ca::Issuer& issuer);

// A suggested renewal window (RFC 9773 §4.2): renew at a random time in [start, end).
struct RenewalWindow {
  core::TimePoint start{};
  core::TimePoint end{};
  bool operator==(const RenewalWindow&) const = default;
};

// Where the window sits, for a certificate valid from nb to na (lifetime L = na - nb):
//
//   certificate                         window
//   ---------------------------------   ------------------------------------------
//   neither revoked nor marked          [na - L/3, na - L/3 + L/30): in the last
//                                       third; 90 days: day 60 to day 63; 6 days:
//                                       the first 4.8 h after day 4
//   revoked, or marked to renew early   [t - 1 h, t) with t = min(revoked or marked
//   at m (the earlier of the two)       at, now): in the past, so clients renew at
//                                       once; the same answer every time
//
// Pure: the same certificate and time always give the same window.
RenewalWindow suggested_window(const core::Certificate& c, core::TimePoint now);

struct RenewalInfo {
  RenewalWindow window;
  // RFC 9773 §4.3: when to ask again (a few hours, jittered so that clients spread).
  std::chrono::seconds retry_after{0};
};

// What `renew-early` is asked to mark: one of a serial, an account, a name.
using EarlyRenewalRequest = CertificateSelection;

struct EarlyRenewal {
  core::Certificate certificate;
  bool newly_marked = false;  // false: it was marked before
};

class Renewals {
 public:
  Renewals(storage::Store& store, const core::Clock& clock) : store_(store), clock_(clock) {}

  template <class T>
  using Async = boost::asio::awaitable<core::Result<T>>;

  // The renewal information of the certificate a certID names. issuer_key_id: the
  // subject key identifier of the issuer whose certificates are served; `NotFound`
  // for another issuer's or an unknown serial, `malformed` for a bad certID.
  Async<RenewalInfo> info(std::string_view cert_id, const std::string& issuer_key_id);
  // The certificate a certID names, under the same rules as info().
  Async<core::Certificate> certificate(std::string_view cert_id, const std::string& issuer_key_id);

  // Marks certificates for early renewal: their window moves into the past. A serial
  // must name a current certificate (`NotFound` if unknown, `malformed` if revoked or
  // expired); an account or a name marks each of its current certificates (none is
  // not an error). Certificates marked before are listed again, not marked anew.
  Async<std::vector<EarlyRenewal>> renew_early(const EarlyRenewalRequest& r);

 private:
  storage::Store& store_;
  const core::Clock& clock_;
};

}  // namespace signet::authority
