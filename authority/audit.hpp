#pragma once
// What the audit log records for each action (core/audit.hpp has the chain), built in
// this one place: who did it and the facts an auditor needs. Storage appends each
// entry in the transaction that makes the change.
//
// Actions: account.create (with the external account key used, if any),
// account.key_change, account.deactivate, eab.create, eab.revoke, order.finalize,
// certificate.issue (subscribers' and Signet's own), certificate.revoke, certificate.renew_early,
// policy.reload, ca.import, ca.rollover, and the operator's commands that change nothing stored
// (backup).
#include <optional>
#include <string>
#include <string_view>

#include "core/audit.hpp"
#include "core/records.hpp"

namespace signet::authority::audit {

using Entry = core::audit::Entry;

// Actors.
std::string account(const core::AccountId& id);  // "account:<id>"
// The operator running this command: "operator:<login>", the login sudo was run from
// when there is one, else the effective user's.
std::string operator_actor();
inline constexpr std::string_view kServer = "server";
// A revocation request signed with the certificate's own key (RFC 8555 §7.6).
inline constexpr std::string_view kCertificateKey = "certificate-key";
// A client creating an account: "client:<address>" ("client" when not known).
std::string client(const std::string& address);

Entry account_created(core::TimePoint at, const core::NewAccount& a, const std::string& actor);
Entry account_key_changed(core::TimePoint at, const core::AccountId& id,
                          const std::string& old_thumbprint, const std::string& new_thumbprint);
Entry account_deactivated(core::TimePoint at, const core::AccountId& id, const std::string& actor);
Entry eab_key_created(core::TimePoint at, const core::EabKey& k, const std::string& actor);
Entry eab_key_revoked(core::TimePoint at, const std::string& kid, const std::string& actor);
Entry order_finalized(core::TimePoint at, const core::PendingIssuance& p);
Entry certificate_issued(core::TimePoint at, const core::Certificate& c, const std::string& actor);
// A certificate Signet signed for itself (its TLS listeners, the OCSP responder,
// validation agents): no order, no account; the issuer named.
Entry infrastructure_certificate_issued(core::TimePoint at, const core::InfrastructureCertificate& c,
                                        const std::string& actor);
Entry certificate_revoked(core::TimePoint at, const std::string& serial, int reason,
                          const std::string& reason_name, const std::string& actor);
Entry renewal_requested(core::TimePoint at, const std::string& serial, const std::string& actor);
Entry policy_reloaded(core::TimePoint at, const std::string& config_file,
                      const std::string& config_sha256);
Entry backup_made(core::TimePoint at, const std::string& path, const std::string& actor);
// `signet database copy`: the SQLite database whose rows a new PostgreSQL database holds.
Entry database_copied(core::TimePoint at, const std::string& source, const std::string& actor);
// `signet ca import` and `signet ca rollover`: the new ACME issuer (subject) and the root
// its default chain ends at; the directory holding the replaced files.
Entry ca_imported(core::TimePoint at, const std::string& issuer, const std::string& root,
                  const std::string& archive, const std::string& actor);
Entry ca_rolled_over(core::TimePoint at, const std::string& issuer, const std::string& root,
                     const std::string& cross_signed_by, const std::string& archive,
                     const std::string& actor);

}  // namespace signet::authority::audit
