// What relying parties fetch, over HTTPS and plain HTTP, with the caching headers
// RFC 5019 §6 describes: CRLs (RFC 5280 §5), OCSP answers (RFC 6960 §A.1) and the ACME
// issuer's certificate (the caIssuers URL, RFC 5280 §4.2.2.1).
#include <algorithm>
#include <ctime>
#include <optional>
#include <string>

#include "authority/crls.hpp"
#include "authority/ocsp.hpp"
#include "core/base64url.hpp"
#include "server/handlers/handlers.hpp"

namespace signet::server::handlers {
namespace {

std::string http_date(core::TimePoint t) {
  const std::time_t secs = static_cast<std::time_t>(core::to_unix(t));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The DER request a GET carries: the base64 of it, percent-encoded or not.
std::optional<std::string> ocsp_request_of_path(std::string_view text) {
  std::string b64;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    // Standard base64 read as base64url; padding is optional there.
    if (c == '+') c = '-';
    if (c == '/') c = '_';
    if (c != '=') b64 += c;
  }
  return core::base64url_decode(b64);
}

}  // namespace

HandlerResult crl(Context& ctx) {
  auto published = ctx.authority.current_crl(ctx.route.id, ctx.route.sub_id);
  if (!published) co_return std::move(published).error();
  const auto& crl = **published;
  Reply r;
  r.content_type = "application/pkix-crl";
  r.body = crl.der;
  r.header("Last-Modified", http_date(crl.this_update));
  r.header("Expires", http_date(crl.next_update));
  // A revocation reaches its shard's CRL within seconds: caches keep a copy a minute.
  r.header("Cache-Control", "public, max-age=60");
  co_return r;
}


HandlerResult ocsp(Context& ctx) {
  std::optional<std::string> der;
  if (ctx.route.route == Route::OcspGet) {
    der = ocsp_request_of_path(ctx.route.id);
  } else if (ctx.request.content_type == "application/ocsp-request") {
    der = ctx.request.body;
  }
  // What is no OCSP request gets the responder's malformedRequest (RFC 6960 §2.3).
  auto answer = co_await ctx.authority.ocsp(der ? std::string_view(*der) : std::string_view());
  if (!answer) co_return std::move(answer).error();
  Reply r;
  r.content_type = "application/ocsp-response";
  r.body = std::move(answer->der);
  if (answer->successful) {
    r.header("Last-Modified", http_date(answer->this_update));
    r.header("Expires", http_date(answer->next_update));
    // An answer is signed again at once on revocation: caches keep it a minute.
    r.header("Cache-Control", "public, max-age=60, no-transform, must-revalidate");
  } else {
    r.header("Cache-Control", "no-store");
  }
  co_return r;
}

HandlerResult ca_issuers(Context& ctx) {
  Reply r;
  r.content_type = "application/pkix-cert";
  r.body = ctx.authority.issuer_der();
  r.header("Cache-Control", "public, max-age=3600");
  co_return r;
}

}  // namespace signet::server::handlers
