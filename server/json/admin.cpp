#include "server/json/admin.hpp"

#include <type_traits>

#include "authority/renewals.hpp"
#include "core/ascii.hpp"
#include "server/json/encode.hpp"
#include "server/json/writer.hpp"

namespace signet::server::json {
namespace {

using namespace detail;

template <class T>
void opt(Writer& w, std::string_view name, const std::optional<T>& v) {
  key(w, name);
  if (!v) {
    w.Null();
  } else if constexpr (std::is_same_v<T, core::TimePoint>) {
    str(w, format_rfc3339(*v));
  } else if constexpr (std::is_same_v<T, int>) {
    w.Int(*v);
  } else {
    str(w, *v);
  }
}

void identifiers(Writer& w, const std::vector<core::Identifier>& ids) {
  key(w, "identifiers");
  w.StartArray();
  for (const auto& id : ids) identifier(w, id);
  w.EndArray();
}

void certificate_body(Writer& w, const core::Certificate& c, core::TimePoint now, bool pem,
                      const bool* newly_revoked) {
  w.StartObject();
  kv(w, "serial", c.serial);
  opt(w, "cert_id", authority::cert_id_of(c.der));
  kv(w, "status", to_string(authority::certificate_status(c, now)));
  kv(w, "account", c.account_id.value);
  kv(w, "order", c.order_id.value);
  kv(w, "profile", c.profile);
  identifiers(w, c.identifiers);
  kv(w, "not_before", format_rfc3339(c.not_before));
  kv(w, "not_after", format_rfc3339(c.not_after));
  kv(w, "issued_at", format_rfc3339(c.issued_at));
  opt(w, "revoked_at", c.revoked_at);
  opt(w, "revocation_reason",
      c.revoked_at ? c.revocation_reason.value_or(0) : std::optional<int>());
  opt(w, "revocation_reason_name",
      c.revoked_at ? std::optional(authority::reason_name(c.revocation_reason.value_or(0)))
                   : std::nullopt);
  opt(w, "renew_early_at", c.renew_early_at);
  kv(w, "key_sha256", core::hex_lower(c.key_spki_sha256));
  if (newly_revoked) {
    key(w, "newly_revoked");
    w.Bool(*newly_revoked);
  }
  if (pem) kv(w, "pem", authority::leaf_pem(c));
  w.EndObject();
}

void truncated(Writer& w, bool t) {
  key(w, "truncated");
  w.Bool(t);
}

void account_body(Writer& w, const core::Account& a, const std::vector<std::string>* valid) {
  w.StartObject();
  kv(w, "id", a.id.value);
  kv(w, "status", to_string(a.status));
  strings(w, "contact", a.contact);
  kv(w, "created_at", format_rfc3339(a.created_at));
  opt(w, "eab_kid", a.eab_kid);
  kv(w, "jwk_thumbprint", a.jwk_thumbprint);
  key(w, "tos_agreed");
  w.Bool(a.tos_agreed);
  if (valid) strings(w, "valid_certificates", *valid);
  w.EndObject();
}

void order_body(Writer& w, const core::Order& o) {
  w.StartObject();
  kv(w, "id", o.id.value);
  kv(w, "account", o.account_id.value);
  kv(w, "status", to_string(o.status));
  kv(w, "profile", o.profile);
  identifiers(w, o.identifiers);
  kv(w, "created_at", format_rfc3339(o.created_at));
  kv(w, "expires", format_rfc3339(o.expires));
  opt(w, "not_before", o.not_before);
  opt(w, "not_after", o.not_after);
  opt(w, "certificate", o.certificate_serial);
  opt(w, "replaces", o.replaces);
  key(w, "error");
  if (o.error) {
    w.StartObject();
    problem_body(w, *o.error, 0);
    w.EndObject();
  } else {
    w.Null();
  }
  w.EndObject();
}

void issuer_body(Writer& w, const ca::IssuerDescription& d) {
  w.StartObject();
  kv(w, "role", d.role);
  kv(w, "file", d.file);
  kv(w, "subject", d.subject);
  kv(w, "issuer", d.issuer);
  kv(w, "serial", d.serial);
  kv(w, "key_type", d.key_type);
  kv(w, "sha256_fingerprint", d.sha256_fingerprint);
  kv(w, "subject_key_id", d.subject_key_id);
  kv(w, "not_before", format_rfc3339(d.not_before));
  kv(w, "not_after", format_rfc3339(d.not_after));
  kv(w, "pem", d.pem);
  if (!d.key_storage.empty()) {
    kv(w, "key_storage", d.key_storage);
    if (!d.key_location.empty()) kv(w, "key_location", d.key_location);
  }
  w.EndObject();
}

// {"<name>": [body(item)...], "truncated": t} (no "truncated" when t is null).
template <class Items, class Body>
std::string listing(std::string_view name, const Items& items, const bool* t, Body body) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  key(w, name);
  w.StartArray();
  for (const auto& item : items) body(w, item);
  w.EndArray();
  if (t) truncated(w, *t);
  w.EndObject();
  return done(b);
}

}  // namespace

std::string encode_admin_certificate(const core::Certificate& c, core::TimePoint now, bool pem) {
  rapidjson::StringBuffer b;
  Writer w(b);
  certificate_body(w, c, now, pem, nullptr);
  return done(b);
}

std::string encode_admin_certificates(const authority::Listing<core::Certificate>& l,
                                      core::TimePoint now) {
  return listing("certificates", l.items, &l.truncated, [&](Writer& w, const core::Certificate& c) {
    certificate_body(w, c, now, false, nullptr);
  });
}

std::string encode_revoked(const std::vector<authority::Revoked>& revoked, core::TimePoint now) {
  return listing("revoked", revoked, nullptr, [&](Writer& w, const authority::Revoked& r) {
    certificate_body(w, r.certificate, now, false, &r.newly_revoked);
  });
}

std::string encode_admin_account(const core::Account& a,
                                 const std::vector<std::string>* valid_certificates) {
  rapidjson::StringBuffer b;
  Writer w(b);
  account_body(w, a, valid_certificates);
  return done(b);
}

std::string encode_admin_accounts(const authority::Listing<core::Account>& l) {
  return listing("accounts", l.items, &l.truncated,
                 [](Writer& w, const core::Account& a) { account_body(w, a, nullptr); });
}

std::string encode_admin_orders(const authority::Listing<core::Order>& l) {
  return listing("orders", l.items, &l.truncated,
                 [](Writer& w, const core::Order& o) { order_body(w, o); });
}

std::string encode_audit_verification(const authority::AuditVerification& v) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  key(w, "intact");
  w.Bool(!v.broken);
  key(w, "entries");
  w.Int64(v.entries);
  key(w, "head_seq");
  w.Int64(v.head_seq);
  kv(w, "head_hash", v.head_hash);
  opt(w, "broken", v.broken);
  w.EndObject();
  return done(b);
}

std::string encode_issuers(const std::vector<ca::IssuerDescription>& issuers) {
  return listing("issuers", issuers, nullptr,
                 [](Writer& w, const ca::IssuerDescription& d) { issuer_body(w, d); });
}

}  // namespace signet::server::json
