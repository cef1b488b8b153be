#include "server/json/strict.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include <cmath>
#include <set>
#include <string>
#include <vector>

namespace signet::server::json {
namespace {

// Whether s is well-formed UTF-8 (RFC 3629): no surrogates, no overlong forms.
bool is_utf8(const char* s, rapidjson::SizeType n) {
  struct Discard {
    void Put(char) {}
  };
  rapidjson::MemoryStream in(s, n);
  Discard out;
  while (in.Tell() < n) {
    if (!rapidjson::UTF8<>::Validate(in, out)) return false;
  }
  return true;
}

// Forwards SAX events to the document while refusing duplicate member names, nesting
// deeper than the cap, numbers beyond the range of a double and strings that are not
// Unicode (RapidJSON itself accepts all four).
class StrictHandler {
 public:
  StrictHandler(rapidjson::Document& doc, std::size_t max_depth)
      : doc_(doc), max_depth_(max_depth) {}

  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(int64_t i) { return doc_.Int64(i); }
  bool Uint64(uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) {
    // RapidJSON 1.1.0 reads some numbers just past the largest double ("2e308") as
    // infinity, which JSON cannot express (RFC 8259 §6) nor a writer give back.
    if (!std::isfinite(d)) return refuse("a number beyond the range of a double");
    return doc_.Double(d);
  }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) {
    return doc_.RawNumber(s, n, copy);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) {
    if (!is_utf8(s, n)) return refuse(kLoneSurrogate);
    return doc_.String(s, n, copy);
  }
  bool StartObject() {
    if (!enter()) return false;
    keys_.emplace_back();
    return doc_.StartObject();
  }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) {
    if (!is_utf8(s, n)) return refuse(kLoneSurrogate);
    if (!keys_.back().emplace(s, n).second) {
      return refuse("duplicate member name \"" + std::string(s, n) + "\"");
    }
    return doc_.Key(s, n, copy);
  }
  bool EndObject(rapidjson::SizeType n) {
    keys_.pop_back();
    --depth_;
    return doc_.EndObject(n);
  }
  bool StartArray() { return enter() && doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) {
    --depth_;
    return doc_.EndArray(n);
  }

  // RapidJSON 1.1.0 checks the bytes of a string (kParseValidateEncodingFlag) but turns
  // the escape of a lone low surrogate (U+DC00 to U+DFFF) into bytes that are not UTF-8,
  // which would then reach identifiers, contacts and the problem documents quoting them.
  static constexpr const char* kLoneSurrogate = "a string with an unpaired surrogate escape";

  // Why the handler stopped the parse; empty if it did not.
  const std::string& refusal() const { return refusal_; }

 private:
  bool enter() {
    if (++depth_ > max_depth_) {
      return refuse("nesting deeper than " + std::to_string(max_depth_) + " levels");
    }
    return true;
  }
  bool refuse(std::string why) {
    refusal_ = std::move(why);
    return false;
  }
  rapidjson::Document& doc_;
  std::size_t max_depth_;
  std::size_t depth_ = 0;
  std::vector<std::set<std::string, std::less<>>> keys_;
  std::string refusal_;
};

}  // namespace

core::Result<rapidjson::Document> parse_strict(std::string_view text, std::size_t max_depth) {
  rapidjson::Document doc;
  rapidjson::MemoryStream ms(text.data(), text.size());
  rapidjson::Reader reader;
  StrictHandler handler(doc, max_depth);
  auto generate = [&](rapidjson::Document&) {
    return static_cast<bool>(reader.Parse<rapidjson::kParseValidateEncodingFlag>(ms, handler));
  };
  doc.Populate(generate);
  if (!reader.HasParseError()) return doc;
  std::string detail;
  if (!handler.refusal().empty()) {
    detail = handler.refusal();
  } else {
    detail = std::string(rapidjson::GetParseError_En(reader.GetParseErrorCode())) + " at offset " +
             std::to_string(reader.GetErrorOffset());
  }
  return core::make_error(core::ProblemType::Malformed, "Invalid JSON: " + detail);
}

}  // namespace signet::server::json
