#pragma once
// The route table: every ACME resource declared once, with its path, the methods it
// answers, how requests to it are authenticated, its directory key and its handler.
// Urls builds and recognizes paths from this table; the front end dispatches with it.
// Adding a resource is one entry here plus its handler.
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "server/handlers/context.hpp"
#include "server/urls.hpp"

namespace signet::server {

using handlers::Auth;

enum Method : unsigned {
  kGet = 1,   // and HEAD
  kPost = 2,  // POST, and POST-as-GET for reads
};

struct RouteSpec {
  Route route;
  // Segments; "{crl}" for "<shard>.crl" (the shard in sub_id); "{id}" and "{sub}" stand for identifiers (letters, digits, '-', '_');
  // "{certid}" for an RFC 9773 certID, any visible characters but '/' (its handler
  // tells a malformed one from an unknown one); "{ocsp}", last, for the rest of the path.
  std::string_view path;
  unsigned methods;
  Auth auth;
  std::string_view directory_key;  // empty: not listed in the directory
  handlers::HandlerResult (*handler)(handlers::Context&);
  bool paged = false;  // takes "?page=N"
  // For relying parties (CRLs, OCSP): served over plain HTTP too, cacheable, without
  // the ACME nonce and directory link. Every other resource is HTTPS only.
  bool relying_party = false;
};

std::span<const RouteSpec> route_table();
// The entry of a route (every Route but NotFound has one).
const RouteSpec& route_spec(Route r);
// The route a request target (path and query) names.
RouteMatch match_route(std::string_view target);
// The path of a route with its identifiers filled in.
std::string route_path(Route r, std::string_view id = {}, std::string_view sub = {});

// An ACME resource's name as RFC 8555 §7.1 calls it: its directory key (newOrder,
// newNonce, ...), else directory, account, orders, order, finalize, authz, challenge,
// certificate, alternateCertificate (one with an alternate chain), issuer. Empty for what is not an ACME resource (home page, root.pem,
// CRLs, OCSP, caIssuers).
std::string_view resource_name(Route r);
// The route of an ACME resource's name; nullopt for any other name.
std::optional<Route> route_of_resource(std::string_view name);
// Every ACME resource's name, in route table order (for error messages).
std::string resource_names();

}  // namespace signet::server
