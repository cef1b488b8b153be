#include "server/json/encode.hpp"

#include "server/json/writer.hpp"

#include <ctime>

namespace signet::server::json {
namespace {

using namespace detail;

void challenge_body(Writer& w, const Urls& urls, const core::AuthzId& authz,
                    const core::Challenge& c) {
  w.StartObject();
  kv(w, "type", to_string(c.type));
  kv(w, "url", urls.challenge(authz, c.id));
  kv(w, "status", to_string(c.status));
  kv(w, "token", c.token);
  if (c.validated_at) kv(w, "validated", format_rfc3339(*c.validated_at));
  if (c.error) {
    key(w, "error");
    w.StartObject();
    problem_body(w, *c.error, 0);
    w.EndObject();
  }
  if (!c.records.empty()) validation_records(w, c.records);
  // An extension: how each vantage point ended a multi-perspective validation.
  if (!c.perspectives.empty()) {
    key(w, "perspectives");
    w.StartArray();
    for (const auto& p : c.perspectives) {
      w.StartObject();
      kv(w, "name", p.perspective);
      kv(w, "verdict", to_string(p.verdict));
      if (p.problem) {
        key(w, "error");
        w.StartObject();
        problem_body(w, *p.problem, 0);
        w.EndObject();
      }
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
}

}  // namespace

std::string format_rfc3339(core::TimePoint t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string encode_directory(const std::vector<std::pair<std::string_view, std::string>>& resources,
                             const DirectoryMeta& meta) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  for (const auto& [name, url] : resources) {
    w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
    str(w, url);
  }
  key(w, "meta");
  w.StartObject();
  if (!meta.terms_of_service.empty()) kv(w, "termsOfService", meta.terms_of_service);
  if (!meta.website.empty()) kv(w, "website", meta.website);
  if (!meta.caa_identities.empty()) {
    key(w, "caaIdentities");
    w.StartArray();
    for (const auto& c : meta.caa_identities) str(w, c);
    w.EndArray();
  }
  key(w, "externalAccountRequired");
  w.Bool(meta.external_account_required);
  if (!meta.profiles.empty()) {
    key(w, "profiles");
    w.StartObject();
    for (const auto& [name, description] : meta.profiles) kv(w, name, description);
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
  return done(b);
}

std::string encode_account(const Urls& urls, const core::Account& a,
                           const std::string* external_account_binding) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  kv(w, "status", to_string(a.status));
  key(w, "contact");
  w.StartArray();
  for (const auto& c : a.contact) str(w, c);
  w.EndArray();
  key(w, "termsOfServiceAgreed");
  w.Bool(a.tos_agreed);
  kv(w, "orders", urls.account_orders(a.id));
  kv(w, "createdAt", format_rfc3339(a.created_at));
  if (external_account_binding) {
    key(w, "externalAccountBinding");
    w.RawValue(external_account_binding->data(), external_account_binding->size(),
               rapidjson::kObjectType);
  }
  w.EndObject();
  return done(b);
}

std::string encode_order(const Urls& urls, const core::Order& o) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  kv(w, "status", to_string(o.status));
  kv(w, "expires", format_rfc3339(o.expires));
  key(w, "identifiers");
  w.StartArray();
  for (const auto& id : o.identifiers) identifier(w, id);
  w.EndArray();
  if (o.not_before) kv(w, "notBefore", format_rfc3339(*o.not_before));
  if (o.not_after) kv(w, "notAfter", format_rfc3339(*o.not_after));
  if (!o.profile.empty()) kv(w, "profile", o.profile);
  if (o.replaces) kv(w, "replaces", *o.replaces);  // RFC 9773 §5
  key(w, "authorizations");
  w.StartArray();
  for (const auto& a : o.authorizations) str(w, urls.authz(a.id));
  w.EndArray();
  kv(w, "finalize", urls.finalize(o.id));
  if (o.certificate_serial && o.status == core::OrderStatus::Valid) {
    kv(w, "certificate", urls.certificate(*o.certificate_serial));
  }
  if (o.error) {
    key(w, "error");
    w.StartObject();
    problem_body(w, *o.error, 0);
    w.EndObject();
  }
  w.EndObject();
  return done(b);
}

std::string encode_authorization(const Urls& urls, const core::Authorization& a) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  key(w, "identifier");
  identifier(w, a.identifier);
  kv(w, "status", to_string(a.status));
  kv(w, "expires", format_rfc3339(a.expires));
  key(w, "challenges");
  w.StartArray();
  for (const auto& c : a.challenges) challenge_body(w, urls, a.id, c);
  w.EndArray();
  if (a.wildcard) {
    key(w, "wildcard");
    w.Bool(true);
  }
  w.EndObject();
  return done(b);
}

std::string encode_challenge(const Urls& urls, const core::AuthzId& authz,
                             const core::Challenge& c) {
  rapidjson::StringBuffer b;
  Writer w(b);
  challenge_body(w, urls, authz, c);
  return done(b);
}

std::string encode_renewal_info(const authority::RenewalInfo& info) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  key(w, "suggestedWindow");
  w.StartObject();
  kv(w, "start", format_rfc3339(info.window.start));
  kv(w, "end", format_rfc3339(info.window.end));
  w.EndObject();
  w.EndObject();
  return done(b);
}

std::string encode_early_renewals(const std::vector<authority::EarlyRenewal>& marked) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartArray();
  for (const auto& e : marked) {
    const auto& c = e.certificate;
    w.StartObject();
    kv(w, "serial", c.serial);
    if (auto id = authority::cert_id_of(c.der)) kv(w, "certID", *id);
    kv(w, "account", c.account_id.value);
    key(w, "identifiers");
    w.StartArray();
    for (const auto& id : c.identifiers) identifier(w, id);
    w.EndArray();
    kv(w, "notAfter", format_rfc3339(c.not_after));
    if (c.renew_early_at) kv(w, "renewEarlyAt", format_rfc3339(*c.renew_early_at));
    key(w, "newlyMarked");
    w.Bool(e.newly_marked);
    w.EndObject();
  }
  w.EndArray();
  return done(b);
}

std::string encode_orders_list(const Urls& urls, const std::vector<core::OrderId>& orders) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  key(w, "orders");
  w.StartArray();
  for (const auto& o : orders) str(w, urls.order(o));
  w.EndArray();
  w.EndObject();
  return done(b);
}

std::string encode_problem(const core::Error& e, int status,
                           const std::vector<std::string>& algorithms) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  problem_body(w, e, status);
  if (e.type == core::ProblemType::BadSignatureAlgorithm) {
    key(w, "algorithms");
    w.StartArray();
    for (const auto& a : algorithms) str(w, a);
    w.EndArray();
  }
  w.EndObject();
  return done(b);
}

}  // namespace signet::server::json
