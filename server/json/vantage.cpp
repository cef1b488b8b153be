#include "server/json/vantage.hpp"

#include "server/json/reader.hpp"
#include "server/json/writer.hpp"

namespace signet::server::json {
namespace {

using namespace detail;

constexpr std::string_view kProblemPrefix = "urn:ietf:params:acme:error:";

std::optional<core::Identifier> read_identifier(const Value* v) {
  if (!v || !v->IsObject() || !v->HasMember("type") || !v->HasMember("value") ||
      !(*v)["type"].IsString() || !(*v)["value"].IsString()) {
    return std::nullopt;
  }
  auto type = core::identifier_type_from_string(
      std::string_view((*v)["type"].GetString(), (*v)["type"].GetStringLength()));
  if (!type) return std::nullopt;
  return core::Identifier{*type,
                          std::string((*v)["value"].GetString(), (*v)["value"].GetStringLength())};
}

std::optional<core::ProblemType> read_problem_type(Reader& r) {
  auto urn = r.string("type");
  if (!urn || !urn->starts_with(kProblemPrefix)) return std::nullopt;
  return core::problem_type_from_name(std::string_view(*urn).substr(kProblemPrefix.size()));
}

// A problem read from the wire (Result<Error> would be ambiguous).
struct Problem {
  core::Error error;
};

core::Result<Problem> read_problem(const Value& v) {
  if (!v.IsObject()) return malformed("\"error\" must be a problem document");
  Reader r{v, {}};
  auto type = read_problem_type(r);
  auto detail = r.string("detail");
  if (!type || !detail) return malformed("\"error\" needs a known ACME \"type\" and a \"detail\"");
  core::Error e = core::make_error(*type, *detail);
  if (const Value* subs = r.find("subproblems")) {
    if (!subs->IsArray()) return malformed("\"subproblems\" must be an array");
    for (const auto& s : subs->GetArray()) {
      if (!s.IsObject()) return malformed("each subproblem must be an object");
      Reader sr{s, {}};
      auto st = read_problem_type(sr);
      auto sd = sr.string("detail");
      if (!st || !sd) return malformed("each subproblem needs a known \"type\" and a \"detail\"");
      e.subproblems.push_back({*st, *sd, read_identifier(sr.find("identifier"))});
    }
  }
  if (r.error) return *r.error;
  return Problem{std::move(e)};
}

core::Result<std::vector<core::ValidationRecord>> read_records(const Value* v) {
  std::vector<core::ValidationRecord> out;
  if (!v) return out;
  if (!v->IsArray()) return malformed("\"validationRecord\" must be an array");
  for (const auto& e : v->GetArray()) {
    if (!e.IsObject()) return malformed("each validation record must be an object");
    Reader r{e, {}};
    core::ValidationRecord rec;
    rec.url = r.string("url").value_or("");
    rec.hostname = r.string("hostname").value_or("");
    rec.port = r.string("port").value_or("");
    rec.addresses_resolved = r.strings("addressesResolved").value_or(std::vector<std::string>{});
    rec.address_used = r.string("addressUsed").value_or("");
    if (r.error) return *r.error;
    out.push_back(std::move(rec));
  }
  return out;
}

}  // namespace

std::string encode_validation_request(const validation::ValidationRequest& r) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  key(w, "identifier");
  identifier(w, r.identifier);
  kv(w, "challenge", to_string(r.type));
  kv(w, "token", r.token);
  kv(w, "keyAuthorization", r.key_authorization);
  key(w, "wildcard");
  w.Bool(r.wildcard);
  kv(w, "accountUri", r.account_uri);
  key(w, "caaIdentities");
  w.StartArray();
  for (const auto& c : r.caa_identities) str(w, c);
  w.EndArray();
  key(w, "caaOnly");
  w.Bool(r.caa_only);
  key(w, "outOfBand");
  w.Bool(r.out_of_band);
  w.EndObject();
  return done(b);
}

core::Result<validation::ValidationRequest> decode_validation_request(std::string_view body) {
  auto doc = object(body, "validation request");
  if (!doc) return std::move(doc).error();
  Reader r{*doc, {}};
  validation::ValidationRequest out;
  auto id = read_identifier(r.find("identifier"));
  if (!id) return malformed("\"identifier\" needs a supported \"type\" and a string \"value\"");
  out.identifier = std::move(*id);
  auto type = r.string("challenge");
  auto parsed = type ? core::challenge_type_from_string(*type) : std::nullopt;
  if (!parsed) return malformed("\"challenge\" must name a challenge type");
  out.type = *parsed;
  out.token = r.string("token").value_or("");
  out.key_authorization = r.string("keyAuthorization").value_or("");
  out.wildcard = r.boolean("wildcard");
  out.account_uri = r.string("accountUri").value_or("");
  out.caa_identities = r.strings("caaIdentities").value_or(std::vector<std::string>{});
  out.caa_only = r.boolean("caaOnly");
  out.out_of_band = r.boolean("outOfBand");
  if (r.error) return *r.error;
  if (!out.caa_only && (out.token.empty() || out.key_authorization.empty())) {
    return malformed("a challenge check needs \"token\" and \"keyAuthorization\"");
  }
  return out;
}

std::string encode_validation_outcome(const validation::ValidationOutcome& o) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  kv(w, "status", o.ok() ? "valid" : "invalid");
  if (o.problem) {
    key(w, "error");
    w.StartObject();
    problem_body(w, *o.problem, 0);
    w.EndObject();
  }
  validation_records(w, o.records);
  w.EndObject();
  return done(b);
}

core::Result<validation::ValidationOutcome> decode_validation_outcome(std::string_view body) {
  auto doc = object(body, "validation outcome");
  if (!doc) return std::move(doc).error();
  Reader r{*doc, {}};
  validation::ValidationOutcome out;
  auto status = r.string("status");
  if (!status || (*status != "valid" && *status != "invalid")) {
    return malformed("\"status\" must be \"valid\" or \"invalid\"");
  }
  if (*status == "invalid") {
    const Value* e = r.find("error");
    if (!e) return malformed("an invalid outcome needs an \"error\"");
    auto problem = read_problem(*e);
    if (!problem) return std::move(problem).error();
    out.problem = std::move(problem->error);
  }
  auto records = read_records(r.find("validationRecord"));
  if (!records) return std::move(records).error();
  out.records = std::move(records).value();
  return out;
}

std::optional<core::Error> decode_problem(std::string_view body) {
  auto doc = parse_strict(body);
  if (!doc) return std::nullopt;
  auto problem = read_problem(*doc);
  if (!problem) return std::nullopt;
  return std::move(problem->error);
}

}  // namespace signet::server::json
