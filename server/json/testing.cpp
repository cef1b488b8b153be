#include "server/json/testing.hpp"

#include <initializer_list>
#include <utility>

#include "server/json/reader.hpp"
#include "server/json/writer.hpp"

namespace signet::server::json {
namespace {

using namespace detail;

// The body as a JSON object whose members are all among `known`.
core::Result<rapidjson::Document> body_object(std::string_view body,
                                              std::initializer_list<std::string_view> known) {
  std::string names;
  for (auto k : known) names += (names.empty() ? "" : ", ") + std::string(k);
  if (body.empty()) return malformed("the body must be a JSON object with " + names);
  auto doc = parse_strict(body);
  if (!doc) return malformed("the body is not JSON: " + doc.error().detail);
  if (!doc->IsObject()) return malformed("the body must be a JSON object with " + names);
  for (const auto& m : std::as_const(*doc).GetObject()) {
    const std::string_view name(m.name.GetString(), m.name.GetStringLength());
    bool found = false;
    for (auto k : known) found = found || k == name;
    if (!found) {
      return malformed("unknown member \"" + std::string(name).substr(0, 64) +
                       "\" (known: " + names + ")");
    }
  }
  return doc;
}

// A whole number from 0 to max, or a `malformed` error naming the member.
std::optional<std::int64_t> whole(Reader& r, const char* name, std::int64_t max) {
  const Value* v = r.find(name);
  if (!v) return std::nullopt;
  if (!v->IsInt64() || v->GetInt64() < 0 || v->GetInt64() > max) {
    r.fail(std::string("\"") + name + "\" must be a whole number, 0-" + std::to_string(max));
    return std::nullopt;
  }
  return v->GetInt64();
}

core::Result<config::InjectRule> read_rule(const Value& v) {
  if (!v.IsObject()) {
    return malformed(
        "each \"inject\" rule must be an object of resource, problem, status, "
        "percent and retry_after");
  }
  for (const auto& m : v.GetObject()) {
    const std::string_view name(m.name.GetString(), m.name.GetStringLength());
    if (name != "resource" && name != "problem" && name != "status" && name != "percent" &&
        name != "retry_after") {
      return malformed("unknown member \"" + std::string(name).substr(0, 64) +
                       "\" in an \"inject\" rule (known: resource, problem, status, percent, "
                       "retry_after)");
    }
  }
  Reader r{v, {}};
  config::InjectRule rule;
  auto resource = r.string("resource");
  auto problem = r.string("problem");
  if (r.error) return *r.error;
  if (!resource || !problem)
    return malformed("each \"inject\" rule needs a resource and a problem");
  rule.resource = *resource;
  rule.problem = *problem;
  if (auto status = whole(r, "status", 999)) rule.status = static_cast<int>(*status);
  if (auto percent = whole(r, "percent", 100)) rule.percent = static_cast<unsigned>(*percent);
  if (const Value* ra = r.find("retry_after"); ra && !ra->IsNull()) {
    if (auto seconds = whole(r, "retry_after", 86400))
      rule.retry_after = std::chrono::seconds(*seconds);
  }
  if (r.error) return *r.error;
  return rule;
}

}  // namespace

core::Result<TxtBody> decode_txt_body(std::string_view body, bool value_optional) {
  auto doc = body_object(body, {"name", "value"});
  if (!doc) return std::move(doc).error();
  Reader r{*doc, {}};
  TxtBody out;
  auto name = r.string("name");
  out.value = r.string("value");
  if (r.error) return *r.error;
  if (!name)
    return malformed(
        "\"name\" is required: the full record name, e.g. _acme-challenge.app.example.test");
  if (!out.value && !value_optional)
    return malformed("\"value\" is required: the TXT record's text");
  out.name = *name;
  return out;
}

core::Result<CaaBody> decode_caa_body(std::string_view body, bool optional) {
  auto doc = body_object(body, {"name", "tag", "value", "critical"});
  if (!doc) return std::move(doc).error();
  Reader r{*doc, {}};
  CaaBody out;
  auto name = r.string("name");
  out.tag = r.string("tag");
  out.value = r.string("value");
  out.critical = r.boolean("critical");
  if (r.error) return *r.error;
  if (!name) return malformed("\"name\" is required: the domain name the record is at");
  if (!optional && (!out.tag || !out.value))
    return malformed("\"tag\" (issue, issuewild, iodef, ...) and \"value\" are required");
  out.name = *name;
  return out;
}

std::string encode_txt_records(const std::string& name, const std::vector<std::string>& values) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  kv(w, "name", name);
  strings(w, "txt", values);
  w.EndObject();
  return done(b);
}

std::string encode_caa_records(const std::string& name,
                               const std::vector<validation::CaaRecord>& records) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  kv(w, "name", name);
  key(w, "caa");
  w.StartArray();
  for (const auto& r : records) {
    w.StartObject();
    kv(w, "tag", r.tag);
    kv(w, "value", r.value);
    key(w, "critical");
    w.Bool(r.critical);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return done(b);
}

core::Status decode_testing_knobs(std::string_view body, config::Testing& knobs) {
  auto doc = body_object(body, {"resolve_all_to", "always_valid", "nonce_reject_percent",
                                "validation_delay", "reuse_authorizations", "inject"});
  if (!doc) return std::move(doc).error();
  Reader r{*doc, {}};
  config::Testing next = knobs;
  if (auto v = r.string("resolve_all_to")) next.resolve_all_to = *v;
  if (r.find("always_valid")) next.always_valid = r.boolean("always_valid");
  if (auto p = whole(r, "nonce_reject_percent", 100))
    next.nonce_reject_percent = static_cast<unsigned>(*p);
  if (auto v = r.string("validation_delay")) next.validation_delay = *v;
  if (r.find("reuse_authorizations")) next.reuse_authorizations = r.boolean("reuse_authorizations");
  if (r.error) return *r.error;
  if (const Value* list = r.find("inject")) {
    if (!list->IsArray()) return malformed("\"inject\" must be an array of rules");
    next.inject.clear();
    for (const auto& v : list->GetArray()) {
      auto rule = read_rule(v);
      if (!rule) return std::move(rule).error();
      next.inject.push_back(std::move(rule).value());
    }
  }
  knobs = std::move(next);
  return {};
}

std::string encode_testing_knobs(const config::Testing& k) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  kv(w, "resolve_all_to", k.resolve_all_to);
  key(w, "always_valid");
  w.Bool(k.always_valid);
  key(w, "nonce_reject_percent");
  w.Uint(k.nonce_reject_percent);
  kv(w, "validation_delay", k.validation_delay);
  key(w, "reuse_authorizations");
  w.Bool(k.reuse_authorizations);
  key(w, "inject");
  w.StartArray();
  for (const auto& r : k.inject) {
    w.StartObject();
    kv(w, "resource", r.resource);
    kv(w, "problem", r.problem);
    key(w, "status");
    w.Int(r.status);
    key(w, "percent");
    w.Uint(r.percent);
    key(w, "retry_after");
    if (r.retry_after) {
      w.Int64(r.retry_after->count());
    } else {
      w.Null();
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return done(b);
}

}  // namespace signet::server::json
