// Authorizations and challenges (RFC 8555 §7.5), and pre-authorization (§7.4.1).
#include "server/handlers/handlers.hpp"

namespace signet::server::handlers {
namespace {

Reply authorization_reply(const Context& ctx, const core::Authorization& z) {
  Reply r;
  r.body = json::encode_authorization(ctx.urls, z);
  for (const auto& c : z.challenges) {
    if (c.status == core::ChallengeStatus::Processing) {
      r.header("Retry-After", "1");
      break;
    }
  }
  return r;
}

Reply challenge_reply(const Context& ctx, const core::AuthzId& authz, const core::Challenge& c) {
  Reply r;
  r.body = json::encode_challenge(ctx.urls, authz, c);
  r.link(ctx.urls.authz(authz), "up");
  if (c.status == core::ChallengeStatus::Processing) r.header("Retry-After", "1");
  return r;
}

}  // namespace

HandlerResult authorization(Context& ctx) {
  SignedRequest* req = ctx.signed_request;
  const core::AuthzId id{ctx.route.id};
  if (req->jws.empty_payload) {
    auto z = co_await ctx.authority.authorization(*req->account, id);
    if (!z) co_return std::move(z).error();
    co_return authorization_reply(ctx, *z);
  }
  // RFC 8555 §7.5.2: the only update is deactivation.
  auto payload = json::decode_authz_update(req->jws.payload);
  if (!payload) co_return std::move(payload).error();
  auto z = co_await ctx.authority.deactivate_authorization(*req->account, id);
  if (!z) co_return std::move(z).error();
  co_return authorization_reply(ctx, *z);
}

HandlerResult new_authz(Context& ctx) {
  SignedRequest* req = ctx.signed_request;
  auto payload = json::decode_new_authz(req->jws.payload);
  if (!payload) co_return std::move(payload).error();
  auto z = co_await ctx.authority.new_authorization(*req->account, payload->identifier);
  if (!z) co_return std::move(z).error();
  Reply r = authorization_reply(ctx, *z);
  r.status = 201;
  r.header("Location", ctx.urls.authz(z->id));
  co_return r;
}

HandlerResult challenge(Context& ctx) {
  SignedRequest* req = ctx.signed_request;
  const core::AuthzId authz{ctx.route.id};
  const core::ChallengeId id{ctx.route.sub_id};
  if (req->jws.empty_payload) {
    // POST-as-GET: the challenge as it is.
    auto ch = co_await ctx.authority.challenge(*req->account, authz, id);
    if (!ch) co_return std::move(ch).error();
    co_return challenge_reply(ctx, authz, *ch);
  }
  if (auto st = json::decode_challenge_response(req->jws.payload); !st)
    co_return std::move(st).error();
  auto ch = co_await ctx.authority.respond_to_challenge(*req->account, authz, id);
  if (!ch) co_return std::move(ch).error();
  co_return challenge_reply(ctx, authz, *ch);
}

}  // namespace signet::server::handlers
