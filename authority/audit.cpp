#include "authority/audit.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "core/ascii.hpp"

namespace signet::authority::audit {
namespace {

std::string names(const std::vector<core::Identifier>& ids) {
  std::string out;
  for (const auto& id : ids) {
    if (!out.empty()) out += ',';
    out += id.value;
  }
  return out;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += ',';
    out += s;
  }
  return out;
}

Entry entry(core::TimePoint at, std::string_view action, std::string actor) {
  Entry e;
  e.at = at;
  e.action = action;
  e.actor = std::move(actor);
  return e;
}

}  // namespace

std::string account(const core::AccountId& id) {
  return "account:" + id.value;
}

std::string operator_actor() {
  if (const char* sudo = std::getenv("SUDO_USER"); sudo != nullptr && *sudo != '\0')
    return std::string("operator:") + sudo;
  const uid_t uid = geteuid();
  passwd pw{};
  passwd* found = nullptr;
  char buf[4096];
  if (getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found != nullptr)
    return std::string("operator:") + found->pw_name;
  return "operator:uid " + std::to_string(uid);
}

std::string client(const std::string& address) {
  return address.empty() ? "client" : "client:" + address;
}

Entry account_created(core::TimePoint at, const core::NewAccount& a, const std::string& actor) {
  auto e = entry(at, "account.create", actor);
  e.with("key_thumbprint", a.jwk_thumbprint).with("contact", joined(a.contact));
  if (a.eab_kid) e.with("eab_kid", *a.eab_kid);
  return e;
}

Entry account_key_changed(core::TimePoint at, const core::AccountId& id,
                          const std::string& old_thumbprint, const std::string& new_thumbprint) {
  return entry(at, "account.key_change", account(id))
      .with("account", id.value)
      .with("old_key_thumbprint", old_thumbprint)
      .with("new_key_thumbprint", new_thumbprint);
}

Entry account_deactivated(core::TimePoint at, const core::AccountId& id, const std::string& actor) {
  return entry(at, "account.deactivate", actor).with("account", id.value);
}

Entry eab_key_created(core::TimePoint at, const core::EabKey& k, const std::string& actor) {
  auto e = entry(at, "eab.create", actor);
  e.with("kid", k.kid)
      .with("reusable", k.reusable ? "true" : "false")
      .with("allowed_domains", joined(k.allowed_domains))
      .with("prevalidated_domains", joined(k.prevalidated_domains))
      .with("profiles", joined(k.profiles));
  if (k.max_validity) e.with("max_validity_seconds", std::to_string(k.max_validity->count()));
  return e;
}

Entry eab_key_revoked(core::TimePoint at, const std::string& kid, const std::string& actor) {
  return entry(at, "eab.revoke", actor).with("kid", kid);
}

Entry order_finalized(core::TimePoint at, const core::PendingIssuance& p) {
  return entry(at, "order.finalize", account(p.account_id))
      .with("order", p.order_id.value)
      .with("account", p.account_id.value)
      .with("serial", p.serial)
      .with("names", names(p.identifiers))
      .with("profile", p.profile)
      .with("key_sha256", core::hex_lower(p.key_spki_sha256));
}

Entry certificate_issued(core::TimePoint at, const core::Certificate& c, const std::string& actor) {
  return entry(at, "certificate.issue", actor)
      .with("serial", c.serial)
      .with("names", names(c.identifiers))
      .with("profile", c.profile)
      .with("key_sha256", core::hex_lower(c.key_spki_sha256))
      .with("order", c.order_id.value)
      .with("account", c.account_id.value)
      .with("not_after", core::audit::format_time(c.not_after));
}

Entry infrastructure_certificate_issued(core::TimePoint at, const core::InfrastructureCertificate& c,
                                        const std::string& actor) {
  return entry(at, "certificate.issue", actor)
      .with("serial", c.serial)
      .with("names", names(c.identifiers))
      .with("profile", c.profile)
      .with("key_sha256", core::hex_lower(c.key_spki_sha256))
      .with("issuer", c.issuer)
      .with("not_after", core::audit::format_time(c.not_after));
}

Entry certificate_revoked(core::TimePoint at, const std::string& serial, int reason,
                          const std::string& reason_name, const std::string& actor) {
  return entry(at, "certificate.revoke", actor)
      .with("serial", serial)
      .with("reason", std::to_string(reason))
      .with("reason_name", reason_name);
}

Entry renewal_requested(core::TimePoint at, const std::string& serial, const std::string& actor) {
  return entry(at, "certificate.renew_early", actor).with("serial", serial);
}

Entry policy_reloaded(core::TimePoint at, const std::string& config_file,
                      const std::string& config_sha256) {
  return entry(at, "policy.reload", std::string(kServer))
      .with("config_file", config_file)
      .with("config_sha256", config_sha256);
}

Entry backup_made(core::TimePoint at, const std::string& path, const std::string& actor) {
  return entry(at, "backup", actor).with("path", path);
}

Entry database_copied(core::TimePoint at, const std::string& source, const std::string& actor) {
  return entry(at, "database.copy", actor).with("source", source);
}

Entry ca_imported(core::TimePoint at, const std::string& issuer, const std::string& root,
                  const std::string& archive, const std::string& actor) {
  return entry(at, "ca.import", actor)
      .with("issuer", issuer)
      .with("root", root)
      .with("archive", archive);
}

Entry ca_rolled_over(core::TimePoint at, const std::string& issuer, const std::string& root,
                     const std::string& cross_signed_by, const std::string& archive,
                     const std::string& actor) {
  return entry(at, "ca.rollover", actor)
      .with("issuer", issuer)
      .with("root", root)
      .with("cross_signed_by", cross_signed_by)
      .with("archive", archive);
}

}  // namespace signet::authority::audit
