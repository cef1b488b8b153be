#pragma once
// The order and authorization state machine of RFC 8555 §7.1.6, as pure functions
// of what is stored and the time. Storage keeps the status last written; these say
// what it is now.
#include "core/clock.hpp"
#include "core/records.hpp"

namespace signet::authority {

// pending/valid authorizations past their expiry are "expired".
core::AuthzStatus effective_authz_status(core::AuthzStatus stored, core::TimePoint expires,
                                         core::TimePoint now);

// pending/ready orders follow their authorizations: any that is invalid,
// deactivated, expired or revoked makes the order invalid; all valid makes it
// ready. An unfinished order past its expiry is invalid. processing, valid and
// invalid are final as stored.
core::OrderStatus effective_order_status(const core::Order& o, core::TimePoint now);

// Whether a challenge may be started: its authorization and itself are pending.
bool can_start_challenge(core::AuthzStatus authz, core::ChallengeStatus challenge);

}  // namespace signet::authority
