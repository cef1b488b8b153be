#pragma once
// What an external account key (RFC 8555 §7.3.4) allows the accounts bound to it, on
// top of the server's own policy: names, profiles, validity, and the names it
// prevalidates. Pure and synchronous.
#include <optional>
#include <string>
#include <vector>

#include "core/identifier.hpp"
#include "core/records.hpp"
#include "core/result.hpp"
#include "policy/profile.hpp"

namespace signet::policy {

// Whether a DNS identifier is one of `domains` or under one, on label boundaries; a
// wildcard by its base (every name it covers lies under the base). IP identifiers never.
bool covered_by(const std::vector<std::string>& domains, const core::Identifier& id);

// The key's allowed domains: each identifier outside them is a `rejectedIdentifier`
// subproblem (IP identifiers too, when the key lists domains). OK when the list is empty.
core::Status check_key_names(const core::EabKey& key, const std::vector<core::Identifier>& ids);

// The key's profiles: `profile` is the effective profile name of the order.
core::Status check_key_profile(const core::EabKey& key, const std::string& profile);

// The key's maximum validity for a requested one: `malformed` when it is longer.
core::Status check_key_validity(const core::EabKey& key, const Validity& v);

// The validity a certificate gets under the key: notAfter at most notBefore plus the
// key's maximum.
Validity cap_key_validity(const core::EabKey& key, Validity v);

// Whether the key prevalidates the identifier: a DNS name (or wildcard) equal to or
// under one of its prevalidated domains. IP identifiers are never prevalidated.
bool key_prevalidates(const core::EabKey& key, const core::Identifier& id);

// Normalizes a key's domain list in place (lower-case, no trailing dot); the error
// names the list and the entry that is not a DNS name.
core::Status normalize_key_domains(const char* list, std::vector<std::string>& domains);

}  // namespace signet::policy
