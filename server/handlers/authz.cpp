// Authorizations and challenges (RFC 8555 §7.5).
#include "server/handlers/handlers.hpp"

namespace signet::server::handlers {

HandlerResult authorization(Context& ctx) {
  auto req = co_await authenticate(ctx, KeyMode::Kid);
  if (!req) co_return std::move(req).error();
  const core::AuthzId id{ctx.route.id};
  core::Result<storage::Authorization> z =
      core::make_error(core::ProblemType::ServerInternal, "unset");
  if (req->jws.empty_payload) {
    z = co_await ctx.authority.authorization(*req->account, id);
  } else {
    // RFC 8555 §7.5.2: the only update is deactivation.
    auto payload = json::decode_authz_update(req->jws.payload);
    if (!payload) co_return std::move(payload).error();
    z = co_await ctx.authority.deactivate_authorization(*req->account, id);
  }
  if (!z) co_return std::move(z).error();
  Reply r;
  r.body = json::encode_authorization(ctx.urls, *z);
  for (const auto& c : z->challenges) {
    if (c.status == core::ChallengeStatus::Processing) {
      r.header("Retry-After", "1");
      break;
    }
  }
  co_return r;
}

HandlerResult challenge(Context& ctx) {
  auto req = co_await authenticate(ctx, KeyMode::Kid);
  if (!req) co_return std::move(req).error();
  const core::AuthzId authz{ctx.route.id};
  const core::ChallengeId id{ctx.route.sub_id};
  core::Result<storage::Challenge> ch =
      core::make_error(core::ProblemType::ServerInternal, "unset");
  if (req->jws.empty_payload) {
    // POST-as-GET: the challenge as it is.
    auto z = co_await ctx.authority.authorization(*req->account, authz);
    if (!z) co_return std::move(z).error();
    ch = core::make_error(core::ProblemType::NotFound, "Challenge not found");
    for (const auto& c : z->challenges) {
      if (c.id == id) ch = c;
    }
  } else {
    if (auto st = json::decode_challenge_response(req->jws.payload); !st)
      co_return std::move(st).error();
    ch = co_await ctx.authority.respond_to_challenge(*req->account, authz, id);
  }
  if (!ch) co_return std::move(ch).error();
  Reply r;
  r.body = json::encode_challenge(ctx.urls, authz, *ch);
  r.link(ctx.urls.authz(authz), "up");
  if (ch->status == core::ChallengeStatus::Processing) r.header("Retry-After", "1");
  co_return r;
}

}  // namespace signet::server::handlers
