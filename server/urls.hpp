#pragma once
// The ACME resources' names, and their absolute URLs for responses.
#include <optional>
#include <string>
#include <string_view>

#include "core/ids.hpp"

namespace signet::server {

enum class Route {
  Directory,
  NewNonce,
  NewAccount,
  Account,
  AccountOrders,
  NewOrder,
  Order,
  Finalize,
  Authz,
  Challenge,
  Certificate,
  CertificateAlternate,  // the certificate with an alternate chain (RFC 8555 §7.4.2)
  Issuer,
  Revoke,
  KeyChange,
  NewAuthz,         // RFC 8555 §7.4.1
  RenewalInfo,      // RFC 9773
  Home,             // the server's root page, for people
  RootCertificate,  // the root certificate, PEM
  Crl,              // a CRL shard, for relying parties (RFC 5280 §5)
  Ocsp,             // the OCSP responder, POST (RFC 6960 §A.1)
  OcspGet,          // the OCSP responder, GET with the request in the path
  CaIssuers,        // the ACME issuer's certificate, DER (RFC 5280 §4.2.2.1)
  NotFound,
};

struct RouteMatch {
  Route route = Route::NotFound;
  std::string id;      // account, order, authz, certificate serial or certID
  std::string sub_id;  // challenge id
  std::size_t page = 0;
};

// Absolute URLs of the resources, built from the route table (server/routes).
class Urls {
 public:
  explicit Urls(std::string base) : base_(std::move(base)) {}  // "https://host:port"
  const std::string& base() const { return base_; }

  // The URL of a route with its identifiers filled in.
  std::string of(Route r, std::string_view id = {}, std::string_view sub = {}) const;

  std::string directory() const { return of(Route::Directory); }
  std::string account(const core::AccountId& id) const { return of(Route::Account, id.value); }
  std::string account_orders(const core::AccountId& id, std::size_t page = 0) const;
  std::string order(const core::OrderId& id) const { return of(Route::Order, id.value); }
  std::string finalize(const core::OrderId& id) const { return of(Route::Finalize, id.value); }
  std::string authz(const core::AuthzId& id) const { return of(Route::Authz, id.value); }
  std::string challenge(const core::AuthzId& a, const core::ChallengeId& c) const {
    return of(Route::Challenge, a.value, c.value);
  }
  std::string certificate(const std::string& serial) const {
    return of(Route::Certificate, serial);
  }
  // The n-th alternate chain (from 1) of a certificate.
  std::string certificate_alternate(const std::string& serial, std::size_t n) const {
    return of(Route::CertificateAlternate, serial, std::to_string(n));
  }
  std::string issuer() const { return of(Route::Issuer); }

  // The account id in an account URL (a JWS "kid"), if it is one of ours.
  std::optional<core::AccountId> account_id_from_url(std::string_view url) const;

 private:
  std::string base_;
};

}  // namespace signet::server
