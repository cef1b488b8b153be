// GET|HEAD <renewalInfo>/<certID> (RFC 9773 §4): unauthenticated, like the directory.
#include "server/handlers/handlers.hpp"

namespace signet::server::handlers {

HandlerResult renewal_info(Context& ctx) {
  auto info = co_await ctx.authority.renewal_info(ctx.route.id);
  if (!info) co_return std::move(info).error();
  Reply r;
  r.body = json::encode_renewal_info(*info);
  r.header("Retry-After", std::to_string(info->retry_after.count()));
  co_return r;
}

}  // namespace signet::server::handlers
