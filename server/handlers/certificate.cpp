// Certificate download and revocation (RFC 8555 §7.4.2, §7.6).
#include "server/handlers/handlers.hpp"

namespace signet::server::handlers {

// RFC 8555 §7.4.2: the default chain at the certificate's URL, each alternate chain
// (after a root rollover: up to the old root) at <URL>/<n>; every one of them announces
// the others with Link rel="alternate".
HandlerResult certificate(Context& ctx) {
  SignedRequest* req = ctx.signed_request;
  if (auto st = require_post_as_get(*req); !st) co_return std::move(st).error();
  auto cert = co_await ctx.authority.certificate(*req->account, ctx.route.id);
  if (!cert) co_return std::move(cert).error();
  const auto alternates = ctx.authority.alternate_chains(cert->chain_pem);
  std::size_t chosen = 0;  // 0: the default chain
  if (!ctx.route.sub_id.empty()) {
    const auto& n = ctx.route.sub_id;
    chosen =
        n.size() <= 3 && n.find_first_not_of("0123456789") == std::string::npos ? std::stoul(n) : 0;
    if (chosen == 0 || chosen > alternates.size()) {
      co_return core::make_error(core::ProblemType::NotFound,
                                 "This certificate has no alternate chain " + n + " (it has " +
                                     std::to_string(alternates.size()) + ")");
    }
  }
  Reply r;
  r.content_type = "application/pem-certificate-chain";
  r.body = chosen == 0 ? cert->chain_pem : alternates[chosen - 1];
  for (std::size_t i = 0; i <= alternates.size(); ++i) {
    if (i == chosen) continue;
    r.link(i == 0 ? ctx.urls.certificate(ctx.route.id)
                  : ctx.urls.certificate_alternate(ctx.route.id, i),
           "alternate");
  }
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
