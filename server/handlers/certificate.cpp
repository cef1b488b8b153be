// Certificate download and revocation (RFC 8555 §7.4.2, §7.6).
#include "server/handlers/handlers.hpp"

namespace signet::server::handlers {

HandlerResult certificate(Context& ctx) {
  SignedRequest* req = ctx.signed_request;
  if (auto st = require_post_as_get(*req); !st) co_return std::move(st).error();
  auto cert = co_await ctx.authority.certificate(*req->account, ctx.route.id);
  if (!cert) co_return std::move(cert).error();
  Reply r;
  r.content_type = "application/pem-certificate-chain";
  r.body = cert->chain_pem;
  r.link(ctx.urls.issuer(), "up");
  co_return r;
}

HandlerResult revoke(Context& ctx) {
  SignedRequest* req = ctx.signed_request;
  auto payload = json::decode_revoke(req->jws.payload);
  if (!payload) co_return std::move(payload).error();
  authority::RevocationRequester who;
  if (req->account) {
    who.account = std::move(req->account);
  } else {
    who.certificate_key = std::move(req->jws.header.jwk);
  }
  auto st = co_await ctx.authority.revoke(who, *payload);
  if (!st) co_return std::move(st).error();
  Reply r;
  r.content_type.clear();
  co_return r;
}

}  // namespace signet::server::handlers
