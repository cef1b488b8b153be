#pragma once
// What the operator's read commands print with --json (`signet cert`, `account`,
// `order`, `ca show`): each resource built in one place. Names are snake_case, times
// RFC 3339, serials and hashes lower-case hex.
#include <string>
#include <vector>

#include "authority/audit_trail.hpp"
#include "authority/inventory.hpp"
#include "authority/revocations.hpp"
#include "ca/describe.hpp"
#include "core/records.hpp"

namespace signet::server::json {

// A certificate: serial, cert_id (RFC 9773), status (as of now), account, order,
// profile, identifiers, not_before, not_after, issued_at, revoked_at, revocation_reason
// and revocation_reason_name (nulls unless revoked), renew_early_at, key_sha256 (the
// SHA-256 of its SubjectPublicKeyInfo). With `pem`, also "pem" (the certificate alone).
std::string encode_admin_certificate(const core::Certificate& c, core::TimePoint now,
                                     bool pem = false);
// {"certificates": [...], "truncated": bool}, each as above without its PEM.
std::string encode_admin_certificates(const authority::Listing<core::Certificate>& l,
                                      core::TimePoint now);
// {"revoked": [...]}: each certificate as above with "newly_revoked" (false: it was
// revoked before, and keeps its earlier time and reason).
std::string encode_revoked(const std::vector<authority::Revoked>& revoked, core::TimePoint now);

// An account: id, status, contact, created_at, eab_kid (null when unbound),
// jwk_thumbprint, tos_agreed. With `valid_certificates`, also the serials of its
// valid certificates.
std::string encode_admin_account(const core::Account& a,
                                 const std::vector<std::string>* valid_certificates = nullptr);
// {"accounts": [...], "truncated": bool}.
std::string encode_admin_accounts(const authority::Listing<core::Account>& l);
// {"orders": [{id, account, status, profile, identifiers, created_at, expires,
// not_before, not_after, certificate (serial), replaces, error}], "truncated": bool}.
std::string encode_admin_orders(const authority::Listing<core::Order>& l);

// {"intact": bool, "entries": N, "head_seq": N, "head_hash": hex, "broken": why|null}.
std::string encode_audit_verification(const authority::AuditVerification& v);

// {"issuers": [{role, file, subject, issuer, serial, key_type, sha256_fingerprint,
// subject_key_id, not_before, not_after, pem}]}.
std::string encode_issuers(const std::vector<ca::IssuerDescription>& issuers);

}  // namespace signet::server::json
