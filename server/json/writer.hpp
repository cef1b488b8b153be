#pragma once
// Writing JSON, for the encoders in server/json only.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/identifier.hpp"
#include "core/validation_record.hpp"

namespace signet::server::json::detail {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

inline void str(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
inline void key(Writer& w, std::string_view k) {
  w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
}
inline void kv(Writer& w, std::string_view k, std::string_view v) {
  key(w, k);
  str(w, v);
}

// "name": ["...", ...]
inline void strings(Writer& w, std::string_view name, const std::vector<std::string>& v) {
  key(w, name);
  w.StartArray();
  for (const auto& s : v) str(w, s);
  w.EndArray();
}

inline void identifier(Writer& w, const core::Identifier& id) {
  w.StartObject();
  kv(w, "type", to_string(id.type));
  kv(w, "value", id.value);
  w.EndObject();
}

inline void problem_body(Writer& w, const core::Error& e, int status) {
  kv(w, "type", "urn:ietf:params:acme:error:" + std::string(core::problem_type_name(e.type)));
  kv(w, "detail", e.detail);
  if (status != 0) {
    key(w, "status");
    w.Int(status);
  }
  if (!e.subproblems.empty()) {
    key(w, "subproblems");
    w.StartArray();
    for (const auto& s : e.subproblems) {
      w.StartObject();
      kv(w, "type", "urn:ietf:params:acme:error:" + std::string(core::problem_type_name(s.type)));
      kv(w, "detail", s.detail);
      if (s.identifier) {
        key(w, "identifier");
        identifier(w, *s.identifier);
      }
      w.EndObject();
    }
    w.EndArray();
  }
}

inline std::string done(const rapidjson::StringBuffer& b) {
  return std::string(b.GetString(), b.GetSize());
}

// RFC 8555 §8 validation records, as Boulder and Pebble spell them.
inline void validation_records(Writer& w, const std::vector<core::ValidationRecord>& records) {
  key(w, "validationRecord");
  w.StartArray();
  for (const auto& r : records) {
    w.StartObject();
    kv(w, "url", r.url);
    kv(w, "hostname", r.hostname);
    kv(w, "port", r.port);
    key(w, "addressesResolved");
    w.StartArray();
    for (const auto& a : r.addresses_resolved) str(w, a);
    w.EndArray();
    if (!r.address_used.empty()) kv(w, "addressUsed", r.address_used);
    if (r.perspective != "primary") kv(w, "perspective", r.perspective);
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace signet::server::json::detail
