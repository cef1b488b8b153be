#include "server/json/eab.hpp"

#include "core/base64url.hpp"
#include "server/json/encode.hpp"
#include "server/json/writer.hpp"

namespace signet::server::json {
namespace {

using namespace detail;

void key_body(Writer& w, const core::EabKey& k, bool hmac_key,
              const std::vector<core::AccountId>* bound) {
  w.StartObject();
  kv(w, "kid", k.kid);
  if (hmac_key) kv(w, "hmac_key", core::base64url_encode(k.hmac_key));
  kv(w, "note", k.note);
  strings(w, "allowed_domains", k.allowed_domains);
  strings(w, "prevalidated_domains", k.prevalidated_domains);
  strings(w, "profiles", k.profiles);
  key(w, "max_validity_days");
  if (k.max_validity) {
    w.Int64(k.max_validity->count() / 86400);
  } else {
    w.Null();
  }
  key(w, "reusable");
  w.Bool(k.reusable);
  kv(w, "created_at", format_rfc3339(k.created_at));
  key(w, "revoked_at");
  if (k.revoked_at) {
    str(w, format_rfc3339(*k.revoked_at));
  } else {
    w.Null();
  }
  key(w, "accounts");
  w.Uint64(k.accounts);
  if (bound) {
    key(w, "bound_accounts");
    w.StartArray();
    for (const auto& a : *bound) str(w, a.value);
    w.EndArray();
  }
  w.EndObject();
}

}  // namespace

std::string encode_eab_key(const core::EabKey& k, bool hmac_key,
                           const std::vector<core::AccountId>* bound) {
  rapidjson::StringBuffer b;
  Writer w(b);
  key_body(w, k, hmac_key, bound);
  return done(b);
}

std::string encode_eab_keys(const std::vector<core::EabKey>& keys) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  key(w, "keys");
  w.StartArray();
  for (const auto& k : keys) key_body(w, k, false, nullptr);
  w.EndArray();
  w.EndObject();
  return done(b);
}

}  // namespace signet::server::json
