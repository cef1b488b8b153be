#pragma once
// External account keys as `signet eab ... --json` prints them.
#include <string>
#include <vector>

#include "core/ids.hpp"
#include "core/records.hpp"

namespace signet::server::json {

// One key: kid, note, allowed_domains, prevalidated_domains, profiles,
// max_validity_days (null: the server's), reusable, created_at, revoked_at (null while
// in force), accounts (how many are bound). With `hmac_key`, also "hmac_key"
// (base64url, unpadded); with `bound`, also "bound_accounts" (their ids).
std::string encode_eab_key(const core::EabKey& k, bool hmac_key = false,
                           const std::vector<core::AccountId>* bound = nullptr);
// {"keys": [...]} with each key as above, without its HMAC key.
std::string encode_eab_keys(const std::vector<core::EabKey>& keys);

}  // namespace signet::server::json
