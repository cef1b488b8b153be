#include "server/handlers/context.hpp"

#include "server/testing.hpp"

namespace signet::server::handlers {

using core::ProblemType;

asio::awaitable<core::Result<SignedRequest>> authenticate(const Context& ctx, Auth auth) {
  std::string_view ct = ctx.request.content_type;
  if (const auto semi = ct.find(';'); semi != std::string_view::npos) ct = ct.substr(0, semi);
  while (!ct.empty() && ct.back() == ' ') ct.remove_suffix(1);
  if (ct != "application/jose+json") {
    co_return core::make_error(ProblemType::UnsupportedMediaType,
                               "Content-Type must be application/jose+json (RFC 8555 §6.2)");
  }
  auto jws = jose::parse_jws(ctx.request.body);
  if (!jws) co_return std::move(jws).error();

  // RFC 8555 §6.4: the url header is the request URL.
  if (!jws->header.url)
    co_return core::make_error(ProblemType::Malformed, "JWS protected header has no \"url\"");
  if (*jws->header.url != ctx.request_url()) {
    co_return core::make_error(ProblemType::Unauthorized,
                               "JWS \"url\" \"" + *jws->header.url +
                                   "\" does not match the request URL \"" + ctx.request_url() +
                                   "\"");
  }
  // RFC 8555 §6.5: each nonce once.
  if (!jws->header.nonce)
    co_return core::make_error(ProblemType::BadNonce, "JWS has no anti-replay nonce");
  auto fresh = co_await ctx.nonces.redeem(*jws->header.nonce);
  if (!fresh) co_return std::move(fresh).error();
  if (!*fresh) {
    co_return core::make_error(ProblemType::BadNonce,
                               "JWS has an invalid or already used anti-replay nonce");
  }
  if (ctx.testing) {
    const std::string& client = jws->header.kid ? *jws->header.kid : jws->header.jwk->thumbprint;
    if (ctx.testing->refuse_nonce(client)) {
      co_return core::make_error(
          ProblemType::BadNonce,
          "The test CA refused this valid anti-replay nonce on purpose ([testing] "
          "nonce_reject_percent); retry with the nonce in this response's Replay-Nonce");
    }
  }

  SignedRequest out{std::move(jws).value(), std::nullopt};
  if (out.jws.header.kid) {
    if (auth == Auth::Jwk) {
      co_return core::make_error(ProblemType::Malformed,
                                 "This request must carry \"jwk\", not \"kid\"");
    }
    auto id = ctx.urls.account_id_from_url(*out.jws.header.kid);
    if (!id) {
      co_return core::make_error(ProblemType::AccountDoesNotExist,
                                 "JWS \"kid\" is not an account URL of this server");
    }
    auto account = co_await ctx.authority.account_for_kid(*id);
    if (!account) co_return std::move(account).error();
    auto key = ctx.keys.get(account->jwk);
    if (!key)
      co_return core::internal_error("stored account key unreadable: " + key.error().detail);
    if (auto st = jose::verify_jws(out.jws, (*key)->key.get()); !st)
      co_return std::move(st).error();
    out.account = std::move(account).value();
  } else {
    if (auth == Auth::Kid) {
      co_return core::make_error(ProblemType::Malformed,
                                 "This request must carry \"kid\", not \"jwk\"");
    }
    // A key the policy refuses outright costs no signature verification.
    if (auth == Auth::Jwk) {
      if (auto st = ctx.authority.check_account_key_type(*out.jws.header.jwk); !st)
        co_return std::move(st).error();
    }
    if (auto st = jose::verify_jws(out.jws, out.jws.header.jwk->key.get()); !st)
      co_return std::move(st).error();
  }
  co_return out;
}

core::Status require_post_as_get(const SignedRequest& r) {
  if (!r.jws.empty_payload) {
    return core::make_error(ProblemType::Malformed,
                            "POST-as-GET requests must have an empty payload");
  }
  return {};
}

}  // namespace signet::server::handlers
