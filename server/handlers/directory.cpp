// GET /directory, HEAD|GET /acme/new-nonce, GET /acme/issuer (RFC 8555 §7.1.1, §7.2).
#include "server/handlers/handlers.hpp"

namespace signet::server::handlers {

HandlerResult directory(Context& ctx) {
  Reply r;
  r.body = json::encode_directory(ctx.urls, ctx.meta);
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
  Reply r;
  r.content_type = "application/pem-certificate-chain";
  r.body = ctx.authority.issuer_pem();
  co_return r;
}

}  // namespace signet::server::handlers
