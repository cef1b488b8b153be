#include "server/routes.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>

#include "server/handlers/handlers.hpp"

namespace signet::server {
namespace {

namespace h = handlers;

// RFC 8555 §6.3: only the directory and newNonce answer GET; everything else is POST
// (POST-as-GET for reads). The issuer certificate is public and answers both.
constexpr std::array kRoutes{
    RouteSpec{Route::Directory, "/directory", kGet, Auth::None, "", h::directory},
    RouteSpec{Route::NewNonce, "/acme/new-nonce", kGet, Auth::None, "newNonce", h::new_nonce},
    RouteSpec{Route::NewAccount, "/acme/new-account", kPost, Auth::Jwk, "newAccount",
              h::new_account},
    RouteSpec{Route::NewOrder, "/acme/new-order", kPost, Auth::Kid, "newOrder", h::new_order},
    RouteSpec{Route::Revoke, "/acme/revoke-cert", kPost, Auth::KidOrJwk, "revokeCert", h::revoke},
    RouteSpec{Route::KeyChange, "/acme/key-change", kPost, Auth::Kid, "keyChange", h::key_change},
    RouteSpec{Route::NewAuthz, "/acme/new-authz", kPost, Auth::Kid, "newAuthz", h::new_authz},
    // RFC 9773 §4.1: unauthenticated GET; the directory lists the prefix.
    RouteSpec{Route::RenewalInfo, "/acme/renewal-info/{certid}", kGet, Auth::None, "renewalInfo",
              h::renewal_info},
    RouteSpec{Route::Account, "/acme/acct/{id}", kPost, Auth::Kid, "", h::account},
    RouteSpec{Route::AccountOrders, "/acme/acct/{id}/orders", kPost, Auth::Kid, "",
              h::account_orders, true},
    RouteSpec{Route::Order, "/acme/order/{id}", kPost, Auth::Kid, "", h::order},
    RouteSpec{Route::Finalize, "/acme/order/{id}/finalize", kPost, Auth::Kid, "", h::finalize},
    RouteSpec{Route::Authz, "/acme/authz/{id}", kPost, Auth::Kid, "", h::authorization},
    RouteSpec{Route::Challenge, "/acme/chall/{id}/{sub}", kPost, Auth::Kid, "", h::challenge},
    RouteSpec{Route::Certificate, "/acme/cert/{id}", kPost, Auth::Kid, "", h::certificate},
    RouteSpec{Route::CertificateAlternate, "/acme/cert/{id}/{sub}", kPost, Auth::Kid, "",
              h::certificate},
    RouteSpec{Route::Issuer, "/acme/issuer", kGet | kPost, Auth::None, "", h::issuer},
    // For people and for setting up trust: not ACME resources.
    RouteSpec{Route::Home, "/", kGet, Auth::None, "", h::home},
    RouteSpec{Route::RootCertificate, "/root.pem", kGet, Auth::None, "", h::root_certificate},
    // For relying parties, over plain HTTP too.
    RouteSpec{Route::Crl, "/crl/{id}/{crl}", kGet, Auth::None, "", h::crl, false, true},
    RouteSpec{Route::Ocsp, "/ocsp", kPost, Auth::None, "", h::ocsp, false, true},
    RouteSpec{Route::OcspGet, "/ocsp/{ocsp}", kGet, Auth::None, "", h::ocsp, false, true},
    RouteSpec{Route::CaIssuers, "/ca/acme.crt", kGet, Auth::None, "", h::ca_issuers, false, true},
};

bool id_chars(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// An RFC 9773 certID as a path segment: what is not one is left to its handler to
// refuse as malformed, so any visible character but '/' is taken here.
bool cert_id_chars(std::string_view s) {
  if (s.empty() || s.size() > 256) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < 127; });
}

// Takes the next '/'-separated segment off the front of p.
std::string_view next_segment(std::string_view& p) {
  const auto slash = p.find('/');
  std::string_view seg = p.substr(0, slash);
  p = slash == std::string_view::npos ? std::string_view{} : p.substr(slash + 1);
  return seg;
}

// Whether path fits the pattern; fills the identifiers it carries.
bool fits(std::string_view pattern, std::string_view path, RouteMatch& m) {
  if (!path.starts_with('/') || !pattern.starts_with('/')) return false;
  // Only the root pattern ends in '/'; the segments below would not see a trailing one.
  if (path == "/" || pattern == "/") return path == pattern;
  if (path.ends_with('/')) return false;
  pattern.remove_prefix(1);
  path.remove_prefix(1);
  while (!pattern.empty()) {
    if (path.empty()) return false;
    const auto want = next_segment(pattern);
    const auto got = next_segment(path);
    if (want == "{ocsp}") {
      // The rest of the path: a base64 OCSP request may hold '/' whether or not the
      // client percent-encoded it (RFC 6960 §A.1).
      const std::string_view rest(got.data(), path.empty() ? got.size()
                                                           : path.data() + path.size() - got.data());
      if (rest.size() > 4096 || !std::all_of(rest.begin(), rest.end(), [](char c) {
            return c > ' ' && c < 127;
          })) {
        return false;
      }
      m.id = std::string(rest);
      return true;
    }
    if (want == "{crl}") {
      // "<shard>.crl": a decimal number of at most 6 digits.
      if (!got.ends_with(".crl") || got.size() < 5 || got.size() > 10) return false;
      const auto digits = got.substr(0, got.size() - 4);
      if (digits.find_first_not_of("0123456789") != std::string_view::npos) return false;
      m.sub_id = std::string(digits);
    } else if (want == "{certid}") {
      if (!cert_id_chars(got)) return false;
      m.id = std::string(got);
    } else if (want == "{id}" || want == "{sub}") {
      if (!id_chars(got)) return false;
      (want == "{id}" ? m.id : m.sub_id) = std::string(got);
    } else if (want != got) {
      return false;
    }
  }
  return path.empty();
}

// "page=N" with a small N.
std::optional<std::size_t> page_of(std::string_view query) {
  if (!query.starts_with("page=") || query.size() <= 5 || query.size() >= 12) return std::nullopt;
  std::size_t n = 0;
  const auto digits = query.substr(5);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  return n;
}

}  // namespace

std::span<const RouteSpec> route_table() {
  return kRoutes;
}

const RouteSpec& route_spec(Route r) {
  for (const auto& s : kRoutes) {
    if (s.route == r) return s;
  }
  return kRoutes[0];  // unreachable for the routes above (every Route has an entry)
}

RouteMatch match_route(std::string_view target) {
  std::string_view path = target;
  std::optional<std::string_view> query;  // "?" alone is an empty query, not none
  if (const auto q = target.find('?'); q != std::string_view::npos) {
    path = target.substr(0, q);
    query = target.substr(q + 1);
  }
  for (const auto& s : kRoutes) {
    RouteMatch m;
    if (!fits(s.path, path, m)) continue;
    if (query) {
      // Only a paged resource takes a query, and only ?page=N.
      const auto page = s.paged ? page_of(*query) : std::nullopt;
      if (!page) return {};
      m.page = *page;
    }
    m.route = s.route;
    return m;
  }
  return {};
}

std::string_view resource_name(Route r) {
  const RouteSpec& spec = route_spec(r);
  if (!spec.directory_key.empty()) return spec.directory_key;
  switch (r) {
    case Route::Directory:
      return "directory";
    case Route::Account:
      return "account";
    case Route::AccountOrders:
      return "orders";  // the account object's "orders" member (RFC 8555 §7.1.2.1)
    case Route::Order:
      return "order";
    case Route::Finalize:
      return "finalize";
    case Route::Authz:
      return "authz";
    case Route::Challenge:
      return "challenge";
    case Route::Certificate:
      return "certificate";
    case Route::CertificateAlternate:
      return "alternateCertificate";  // RFC 8555 §7.4.2: rel="alternate"
    case Route::Issuer:
      return "issuer";
    default:
      return {};
  }
}

std::optional<Route> route_of_resource(std::string_view name) {
  if (name.empty()) return std::nullopt;
  for (const auto& s : kRoutes) {
    if (resource_name(s.route) == name) return s.route;
  }
  return std::nullopt;
}

std::string resource_names() {
  std::string out;
  for (const auto& s : kRoutes) {
    const auto name = resource_name(s.route);
    if (!name.empty()) out += (out.empty() ? "" : ", ") + std::string(name);
  }
  return out;
}

std::string route_path(Route r, std::string_view id, std::string_view sub) {
  std::string out;
  std::string_view pattern = route_spec(r).path;
  pattern.remove_prefix(1);
  while (!pattern.empty()) {
    const auto seg = next_segment(pattern);
    out += '/';
    if (seg == "{crl}") {
      out += std::string(sub) + ".crl";
      continue;
    }
    out += seg == "{id}" || seg == "{certid}" || seg == "{ocsp}" ? id : seg == "{sub}" ? sub : seg;
  }
  return out.empty() ? "/" : out;
}

}  // namespace signet::server
