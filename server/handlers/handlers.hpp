#pragma once
// One handler per ACME resource: parse, authenticate, call one authority method,
// encode. Each lives in the file named for its resource.
#include "server/handlers/context.hpp"
#include "server/json/decode.hpp"

namespace signet::server::handlers {

HandlerResult directory(Context& ctx);
HandlerResult new_nonce(Context& ctx);
HandlerResult issuer(Context& ctx);
HandlerResult home(Context& ctx);
HandlerResult root_certificate(Context& ctx);
// For relying parties (relying_party.cpp): CRLs, OCSP, the issuer certificate.
HandlerResult crl(Context& ctx);
HandlerResult ocsp(Context& ctx);
HandlerResult ca_issuers(Context& ctx);
HandlerResult new_account(Context& ctx);
HandlerResult account(Context& ctx);
HandlerResult account_orders(Context& ctx);
HandlerResult key_change(Context& ctx);
HandlerResult new_order(Context& ctx);
HandlerResult order(Context& ctx);
HandlerResult finalize(Context& ctx);
HandlerResult authorization(Context& ctx);
HandlerResult challenge(Context& ctx);
HandlerResult certificate(Context& ctx);
HandlerResult revoke(Context& ctx);
HandlerResult new_authz(Context& ctx);
HandlerResult renewal_info(Context& ctx);

}  // namespace signet::server::handlers
