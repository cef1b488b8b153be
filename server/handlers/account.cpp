// newAccount, account update/deactivation, the orders list, keyChange (RFC 8555 §7.3).
#include <memory>

#include "server/handlers/handlers.hpp"
#include "server/jose/eab.hpp"
#include "server/problem.hpp"

namespace signet::server::handlers {

using core::ProblemType;

HandlerResult new_account(Context& ctx) {
  SignedRequest* req = ctx.signed_request;
  auto payload = json::decode_new_account(req->jws.payload);
  if (!payload) co_return std::move(payload).error();
  payload->request.client_ip = ctx.request.client_ip;
  if (payload->external_account_binding) {
    // RFC 8555 §7.3.4: checked here as far as it can be without the key; the authority
    // looks the key up and has the MAC verified with it.
    auto binding = jose::parse_binding(*payload->external_account_binding, *req->jws.header.url,
                                       *req->jws.header.jwk);
    if (!binding) co_return std::move(binding).error();
    auto mac = std::make_shared<const jose::MacJws>(std::move(binding).value());
    payload->request.external_account_binding = authority::ExternalAccountBinding{
        mac->kid, [mac](const std::string& key) { return jose::verify_binding_mac(*mac, key); }};
  }
  auto result = co_await ctx.authority.new_account(*req->jws.header.jwk, payload->request);
  if (!result) co_return std::move(result).error();
  Reply r;
  r.status = result->created ? 201 : 200;
  r.header("Location", ctx.urls.account(result->account.id));
  // The account object returned at creation carries the binding (RFC 8555 §7.3.4).
  const bool bound_now = result->created && payload->external_account_binding;
  r.body = json::encode_account(ctx.urls, result->account,
                                bound_now ? &*payload->external_account_binding : nullptr);
  co_return r;
}

HandlerResult account(Context& ctx) {
  SignedRequest* req = ctx.signed_request;
  if (req->account->id.value != ctx.route.id) {
    co_return core::make_error(ProblemType::Unauthorized, "The JWS \"kid\" is not this account");
  }
  core::Account a = *req->account;
  if (!req->jws.empty_payload) {
    auto payload = json::decode_account_update(req->jws.payload);
    if (!payload) co_return std::move(payload).error();
    auto updated = co_await ctx.authority.update_account(a, *payload);
    if (!updated) co_return std::move(updated).error();
    a = std::move(updated).value();
  }
  Reply r;
  r.body = json::encode_account(ctx.urls, a);
  co_return r;
}

HandlerResult account_orders(Context& ctx) {
  SignedRequest* req = ctx.signed_request;
  if (auto st = require_post_as_get(*req); !st) co_return std::move(st).error();
  if (req->account->id.value != ctx.route.id) {
    co_return core::make_error(ProblemType::Unauthorized, "The JWS \"kid\" is not this account");
  }
  auto page = co_await ctx.authority.orders(*req->account, ctx.route.page);
  if (!page) co_return std::move(page).error();
  Reply r;
  r.body = json::encode_orders_list(ctx.urls, page->orders);
  // RFC 8555 §7.1.2.1: further pages are linked with rel="next".
  if (page->more) r.link(ctx.urls.account_orders(req->account->id, ctx.route.page + 1), "next");
  co_return r;
}

HandlerResult key_change(Context& ctx) {
  SignedRequest* outer = ctx.signed_request;
  // RFC 8555 §7.3.5: the payload is a JWS signed by the new key.
  auto inner = jose::parse_jws(outer->jws.payload);
  if (!inner)
    co_return core::make_error(ProblemType::Malformed,
                               "keyChange inner JWS: " + inner.error().detail);
  if (!inner->header.jwk)
    co_return core::make_error(ProblemType::Malformed, "keyChange inner JWS must carry \"jwk\"");
  if (inner->header.nonce)
    co_return core::make_error(ProblemType::Malformed,
                               "keyChange inner JWS must not carry a nonce");
  if (inner->header.url != outer->jws.header.url) {
    co_return core::make_error(ProblemType::Malformed,
                               "keyChange inner and outer JWS \"url\" differ");
  }
  if (auto st = ctx.authority.check_account_key_type(*inner->header.jwk); !st)
    co_return std::move(st).error();
  if (auto st = jose::verify_jws(*inner, inner->header.jwk->key.get()); !st) {
    co_return core::make_error(st.error().type, "keyChange inner JWS: " + st.error().detail);
  }
  auto payload = json::decode_key_change(inner->payload);
  if (!payload) co_return std::move(payload).error();
  if (payload->account != *outer->jws.header.kid) {
    co_return core::make_error(ProblemType::Unauthorized,
                               "keyChange \"account\" is not the signing account");
  }
  auto changed =
      co_await ctx.authority.change_key(*outer->account, payload->old_key, *inner->header.jwk);
  if (!changed) {
    if (changed.error().type == ProblemType::Conflict) {
      // RFC 8555 §7.3.5: 409 with the Location of the account that holds the key.
      auto holder = co_await ctx.authority.account_by_key(inner->header.jwk->thumbprint);
      if (holder && holder->has_value()) {
        const auto problem = render_problem(changed.error());
        Reply r{problem.status, "application/problem+json", problem.body, {}};
        r.header("Location", ctx.urls.account((*holder)->id));
        co_return r;
      }
    }
    co_return std::move(changed).error();
  }
  Reply r;
  r.body = json::encode_account(ctx.urls, *changed);
  co_return r;
}

}  // namespace signet::server::handlers
