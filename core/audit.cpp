#include "core/audit.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <ctime>

#include "core/ascii.hpp"
#include "core/openssl.hpp"

namespace signet::core::audit {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void put(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

}  // namespace

std::string format_time(TimePoint t) {
  const std::time_t secs = to_unix(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {

bool is_hex_hash(const rapidjson::Value& v) {
  if (!v.IsString() || v.GetStringLength() != 64) return false;
  for (const char c : std::string_view(v.GetString(), v.GetStringLength())) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// The members every entry has, in their canonical order; "details" is an object of
// strings.
constexpr const char* kMembers[] = {"seq", "time", "action", "actor", "details", "prev"};

// The entry a text holds, if it is one: every member of kMembers, in order, and no other.
bool is_entry(const rapidjson::Value& d) {
  if (!d.IsObject() || d.MemberCount() != std::size(kMembers)) return false;
  std::size_t i = 0;
  for (auto m = d.MemberBegin(); m != d.MemberEnd(); ++m, ++i) {
    if (std::string_view(m->name.GetString()) != kMembers[i]) return false;
  }
  if (!d["seq"].IsInt64() || !d["time"].IsString() || !d["action"].IsString() ||
      !d["actor"].IsString() || !d["details"].IsObject() || !is_hex_hash(d["prev"]))
    return false;
  for (auto m = d["details"].MemberBegin(); m != d["details"].MemberEnd(); ++m) {
    if (!m->value.IsString()) return false;
  }
  return true;
}

}  // namespace

std::string render(std::int64_t seq, const Entry& e, std::string_view prev) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("seq");
  w.Int64(seq);
  w.Key("time");
  put(w, format_time(e.at));
  w.Key("action");
  put(w, e.action);
  w.Key("actor");
  put(w, e.actor);
  w.Key("details");
  w.StartObject();
  for (const auto& [name, value] : e.details) {
    put(w, name);
    put(w, value);
  }
  w.EndObject();
  w.Key("prev");
  put(w, prev);
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

std::string hash_of(std::string_view text) {
  return hex_lower(ossl::sha256(text));
}

Record chain(std::int64_t seq, const Entry& e, std::string_view prev) {
  Record r{seq, render(seq, e, prev), {}};
  r.hash = hash_of(r.text);
  return r;
}

std::string export_line(const Record& r) {
  // The text is a compact JSON object: its closing brace is its last character.
  std::string line = r.text.substr(0, r.text.size() - 1);
  line += ",\"hash\":\"" + r.hash + "\"}";
  return line;
}

Result<Record> parse_export_line(std::string_view line) {
  rapidjson::Document d;
  d.Parse(line.data(), line.size());
  if (d.HasParseError() || !d.IsObject() || !d.HasMember("hash") || !d["hash"].IsString() ||
      !d.HasMember("seq") || !d["seq"].IsInt64()) {
    return make_error(ProblemType::Malformed, "not an audit log line");
  }
  Record r;
  r.seq = d["seq"].GetInt64();
  r.hash.assign(d["hash"].GetString(), d["hash"].GetStringLength());
  d.RemoveMember("hash");
  rapidjson::StringBuffer buf;
  Writer w(buf);
  d.Accept(w);
  r.text.assign(buf.GetString(), buf.GetSize());
  return r;
}

bool Verifier::feed(const Record& r) {
  if (broken_) return false;
  const auto at = "entry " + std::to_string(head_seq_ + 1) + ": ";
  rapidjson::Document d;
  d.Parse(r.text.data(), r.text.size());
  if (r.seq != head_seq_ + 1) {
    broken_ = at + "found entry " + std::to_string(r.seq) +
              " instead (an entry was deleted or the entries reordered)";
  } else if (d.HasParseError() || !is_entry(d)) {
    broken_ = at + "its text is not an audit entry";
  } else if (d["seq"].GetInt64() != r.seq) {
    broken_ = at + "its text is entry " + std::to_string(d["seq"].GetInt64()) +
              "'s (the entries were reordered)";
  } else if (std::string_view(d["prev"].GetString()) != head_hash_) {
    broken_ = at + "it does not follow the entry before it (that entry was edited or removed)";
  } else if (hash_of(r.text) != r.hash) {
    broken_ = at + "its text does not match its hash (it was edited)";
  }
  if (broken_) return false;
  ++count_;
  head_seq_ = r.seq;
  head_hash_ = r.hash;
  return true;
}

}  // namespace signet::core::audit
