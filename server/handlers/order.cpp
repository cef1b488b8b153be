// newOrder, order polling and finalize (RFC 8555 §7.4).
#include "server/handlers/handlers.hpp"

namespace signet::server::handlers {

namespace {
Reply order_reply(const Context& ctx, const core::Order& o, int status = 200) {
  Reply r;
  r.status = status;
  r.body = json::encode_order(ctx.urls, o);
  r.header("Location", ctx.urls.order(o.id));
  // RFC 8555 §7.4: a client polls a processing order after Retry-After.
  if (o.status == core::OrderStatus::Processing) r.header("Retry-After", "1");
  return r;
}
}  // namespace

HandlerResult new_order(Context& ctx) {
  SignedRequest* req = ctx.signed_request;
  auto payload = json::decode_new_order(req->jws.payload);
  if (!payload) co_return std::move(payload).error();
  auto o = co_await ctx.authority.new_order(*req->account, *payload);
  if (!o) co_return std::move(o).error();
  co_return order_reply(ctx, *o, 201);
}

HandlerResult order(Context& ctx) {
  SignedRequest* req = ctx.signed_request;
  if (auto st = require_post_as_get(*req); !st) co_return std::move(st).error();
  const core::OrderId id{ctx.route.id};
  auto o = co_await ctx.authority.order(*req->account, id);
  if (!o) co_return std::move(o).error();
  co_return order_reply(ctx, *o);
}

HandlerResult finalize(Context& ctx) {
  SignedRequest* req = ctx.signed_request;
  auto payload = json::decode_finalize(req->jws.payload);
  if (!payload) co_return std::move(payload).error();
  const core::OrderId id{ctx.route.id};
  auto o = co_await ctx.authority.finalize(*req->account, id, payload->csr_der);
  if (!o) co_return std::move(o).error();
  co_return order_reply(ctx, *o);
}

}  // namespace signet::server::handlers
