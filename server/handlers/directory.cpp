// GET /directory, HEAD|GET /acme/new-nonce, GET /acme/issuer (RFC 8555 §7.1.1, §7.2).
#include "server/handlers/handlers.hpp"
#include "server/routes.hpp"

namespace signet::server::handlers {

HandlerResult directory(Context& ctx) {
  std::vector<std::pair<std::string_view, std::string>> resources;
  for (const auto& spec : route_table()) {
    if (spec.directory_key.empty()) continue;
    // A resource with an identifier in its path (renewalInfo) is listed as the prefix
    // the identifier follows, without the '/' (RFC 9773 §4.1).
    std::string url = ctx.urls.of(spec.route);
    if (url.ends_with('/')) url.pop_back();
    resources.emplace_back(spec.directory_key, std::move(url));
  }
  Reply r;
  r.body = json::encode_directory(resources, ctx.meta);
  co_return r;
}

HandlerResult new_nonce(Context& ctx) {
  Reply r;
  // RFC 8555 §7.2: 200 for HEAD, 204 for GET; the nonce itself is added to every reply.
  r.status = ctx.request.method == http::beast_http::verb::head ? 200 : 204;
  r.content_type.clear();
  co_return r;
}

HandlerResult issuer(Context& ctx) {
  if (ctx.signed_request) {
    if (auto st = require_post_as_get(*ctx.signed_request); !st) co_return std::move(st).error();
  }
  Reply r;
  r.content_type = "application/pem-certificate-chain";
  r.body = ctx.authority.issuer_pem();
  co_return r;
}

}  // namespace signet::server::handlers
