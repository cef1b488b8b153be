// GET /crl/<issuer>/<shard>.crl: the current CRL of a shard (RFC 5280 §5), for relying
// parties, over HTTPS and plain HTTP, with the caching headers RFC 5019 §6 describes.
#include <ctime>

#include "authority/crls.hpp"

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

}  // namespace signet::server::handlers
