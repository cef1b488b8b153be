#pragma once
// Reading JSON objects member by member, for the decoders in server/json only.
#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base64url.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "server/json/decode.hpp"
#include "server/json/strict.hpp"

namespace signet::server::json {

namespace detail {

using rapidjson::Value;

inline core::Error malformed(std::string d) {
  return core::make_error(core::ProblemType::Malformed, std::move(d));
}

// Parses payload strictly and requires a JSON object.
inline core::Result<rapidjson::Document> object(std::string_view payload, const char* what) {
  auto doc = parse_strict(payload);
  if (!doc) return std::move(doc).error();
  if (!doc->IsObject()) return malformed(std::string(what) + " payload must be a JSON object");
  return doc;
}

// Reads optional typed members; records the first type error.
struct Reader {
  const Value& v;
  std::optional<core::Error> error;

  const Value* find(const char* name) {
    auto it = v.FindMember(name);
    return it == v.MemberEnd() ? nullptr : &it->value;
  }
  std::optional<std::string> string(const char* name) {
    const Value* m = find(name);
    if (!m) return std::nullopt;
    if (!m->IsString()) {
      fail(std::string("\"") + name + "\" must be a string");
      return std::nullopt;
    }
    return std::string(m->GetString(), m->GetStringLength());
  }
  bool boolean(const char* name) {
    const Value* m = find(name);
    if (!m) return false;
    if (!m->IsBool()) {
      fail(std::string("\"") + name + "\" must be true or false");
      return false;
    }
    return m->GetBool();
  }
  std::optional<std::vector<std::string>> strings(const char* name) {
    const Value* m = find(name);
    if (!m) return std::nullopt;
    if (!m->IsArray()) {
      fail(std::string("\"") + name + "\" must be an array of strings");
      return std::nullopt;
    }
    std::vector<std::string> out;
    for (const auto& e : m->GetArray()) {
      if (!e.IsString()) {
        fail(std::string("\"") + name + "\" must be an array of strings");
        return std::nullopt;
      }
      out.emplace_back(e.GetString(), e.GetStringLength());
    }
    return out;
  }
  std::optional<core::TimePoint> time(const char* name) {
    auto s = string(name);
    if (!s) return std::nullopt;
    auto t = parse_rfc3339(*s);
    if (!t) fail(std::string("\"") + name + "\" is not an RFC 3339 date-time");
    return t;
  }
  std::optional<std::string> base64url(const char* name) {
    auto s = string(name);
    if (!s) return std::nullopt;
    auto d = core::base64url_decode(*s);
    if (!d) fail(std::string("\"") + name + "\" is not base64url without padding");
    return d;
  }
  void fail(std::string d) {
    if (!error) error = malformed(std::move(d));
  }
};

}  // namespace detail
}  // namespace signet::server::json
