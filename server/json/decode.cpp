#include "server/json/decode.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include "core/base64url.hpp"

#include "server/json/reader.hpp"

namespace signet::server::json {
namespace {

using core::ProblemType;
using rapidjson::Value;
using namespace detail;

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// An identifier object (RFC 8555 §9.7.7): string "type" and "value", a known type.
core::Result<core::Identifier> identifier_of(const Value& e) {
  if (!e.IsObject() || !e.HasMember("type") || !e.HasMember("value") || !e["type"].IsString() ||
      !e["value"].IsString()) {
    return malformed("each identifier needs string \"type\" and \"value\"");
  }
  const std::string type(e["type"].GetString(), e["type"].GetStringLength());
  const std::string value(e["value"].GetString(), e["value"].GetStringLength());
  auto t = core::identifier_type_from_string(type);
  if (!t) {
    core::Error err = core::make_error(ProblemType::UnsupportedIdentifier,
                                       "identifier type \"" + type + "\" is not supported");
    err.subproblems.push_back({ProblemType::UnsupportedIdentifier, err.detail, std::nullopt});
    return err;
  }
  return core::Identifier{*t, value};
}

}  // namespace

std::optional<core::TimePoint> parse_rfc3339(std::string_view s) {
  auto digits = [&](std::size_t pos, std::size_t n) -> std::optional<int> {
    if (pos + n > s.size()) return std::nullopt;
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
      s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  auto Y = digits(0, 4), M = digits(5, 2), D = digits(8, 2), h = digits(11, 2), m = digits(14, 2),
       sec = digits(17, 2);
  if (!Y || !M || !D || !h || !m || !sec || *M < 1 || *M > 12 || *D < 1 || *D > 31 || *h > 23 ||
      *m > 59 || *sec > 60) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start) return std::nullopt;
  }
  int64_t offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    auto oh = digits(pos + 1, 2), om = digits(pos + 4, 2);
    if (!oh || !om || pos + 3 >= s.size() || s[pos + 3] != ':' || *oh > 23 || *om > 59)
      return std::nullopt;
    offset = (*oh * 3600 + *om * 60) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  const int64_t days = days_from_civil(*Y, static_cast<unsigned>(*M), static_cast<unsigned>(*D));
  const int64_t secs = days * 86400 + *h * 3600 + *m * 60 + std::min(*sec, 59) - offset;
  // Time points count nanoseconds; keep to years they can hold (and any certificate needs).
  constexpr int64_t kLatest = 7'258'118'400;  // 2200-01-01T00:00:00Z
  if (secs < 0 || secs >= kLatest) return std::nullopt;
  return core::from_unix(secs);
}

core::Result<NewAccountPayload> decode_new_account(std::string_view payload) {
  auto doc = object(payload, "newAccount");
  if (!doc) return std::move(doc).error();
  Reader r{*doc, {}};
  NewAccountPayload out;
  out.request.contact = r.strings("contact");
  out.request.terms_of_service_agreed = r.boolean("termsOfServiceAgreed");
  out.request.only_return_existing = r.boolean("onlyReturnExisting");
  if (r.error) return *r.error;
  if (const Value* eab = r.find("externalAccountBinding")) {
    if (!eab->IsObject()) return malformed("\"externalAccountBinding\" must be a JWS object");
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    eab->Accept(w);
    out.external_account_binding = std::string(b.GetString(), b.GetSize());
  }
  return out;
}

core::Result<AccountUpdatePayload> decode_account_update(std::string_view payload) {
  auto doc = object(payload, "account update");
  if (!doc) return std::move(doc).error();
  Reader r{*doc, {}};
  AccountUpdatePayload out;
  out.contact = r.strings("contact");
  if (auto status = r.string("status")) {
    if (*status != "deactivated") {
      return malformed("the only status a client may set on an account is \"deactivated\"");
    }
    out.deactivate = true;
  }
  if (r.error) return *r.error;
  return out;
}

core::Result<NewOrderPayload> decode_new_order(std::string_view payload) {
  auto doc = object(payload, "newOrder");
  if (!doc) return std::move(doc).error();
  Reader r{*doc, {}};
  NewOrderPayload out;
  const Value* ids = r.find("identifiers");
  if (!ids || !ids->IsArray()) return malformed("newOrder needs an \"identifiers\" array");
  for (const auto& e : ids->GetArray()) {
    auto id = identifier_of(e);
    if (!id) return std::move(id).error();
    out.identifiers.push_back(std::move(id).value());
  }
  out.not_before = r.time("notBefore");
  out.not_after = r.time("notAfter");
  out.profile = r.string("profile");
  out.replaces = r.string("replaces");  // RFC 9773 §5
  if (r.error) return *r.error;
  if (out.profile && out.profile->empty()) return malformed("\"profile\" must not be empty");
  return out;
}

core::Result<FinalizePayload> decode_finalize(std::string_view payload) {
  auto doc = object(payload, "finalize");
  if (!doc) return std::move(doc).error();
  Reader r{*doc, {}};
  auto csr = r.base64url("csr");
  if (r.error) return core::make_error(ProblemType::BadCsr, r.error->detail);
  if (!csr || csr->empty())
    return core::make_error(ProblemType::BadCsr, "finalize needs a \"csr\"");
  return FinalizePayload{std::move(*csr)};
}

core::Result<RevokePayload> decode_revoke(std::string_view payload) {
  auto doc = object(payload, "revokeCert");
  if (!doc) return std::move(doc).error();
  Reader r{*doc, {}};
  RevokePayload out;
  auto cert = r.base64url("certificate");
  if (r.error) return *r.error;
  if (!cert || cert->empty()) return malformed("revokeCert needs a \"certificate\"");
  out.certificate_der = std::move(*cert);
  if (const Value* reason = r.find("reason")) {
    if (!reason->IsInt())
      return core::make_error(ProblemType::BadRevocationReason, "\"reason\" must be an integer");
    out.reason = reason->GetInt();
  }
  return out;
}

core::Result<KeyChangePayload> decode_key_change(std::string_view payload) {
  auto doc = object(payload, "keyChange");
  if (!doc) return std::move(doc).error();
  Reader r{*doc, {}};
  auto account = r.string("account");
  if (r.error) return *r.error;
  if (!account) return malformed("keyChange needs \"account\"");
  const Value* old_key = r.find("oldKey");
  if (!old_key) return malformed("keyChange needs \"oldKey\"");
  auto jwk = jose::parse_jwk(*old_key);
  if (!jwk) return malformed("keyChange \"oldKey\": " + jwk.error().detail);
  return KeyChangePayload{std::move(*account), std::move(jwk).value()};
}

core::Result<AuthzUpdatePayload> decode_authz_update(std::string_view payload) {
  auto doc = object(payload, "authorization update");
  if (!doc) return std::move(doc).error();
  Reader r{*doc, {}};
  auto status = r.string("status");
  if (r.error) return *r.error;
  if (!status || *status != "deactivated") {
    return malformed("the only update to an authorization is {\"status\": \"deactivated\"}");
  }
  return AuthzUpdatePayload{true};
}

core::Result<NewAuthzPayload> decode_new_authz(std::string_view payload) {
  auto doc = object(payload, "newAuthz");
  if (!doc) return std::move(doc).error();
  Reader r{*doc, {}};
  const Value* id = r.find("identifier");
  if (!id) return malformed("newAuthz needs an \"identifier\"");
  auto identifier = identifier_of(*id);
  if (!identifier) return std::move(identifier).error();
  return NewAuthzPayload{std::move(identifier).value()};
}

core::Status decode_challenge_response(std::string_view payload) {
  auto doc = object(payload, "challenge response");
  if (!doc) return std::move(doc).error();
  return {};
}

}  // namespace signet::server::json
