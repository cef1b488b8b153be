#include "server/json/strict.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include <set>
#include <string>
#include <vector>

namespace signet::server::json {
namespace {

// Forwards SAX events to the document while refusing duplicate member names and
// nesting deeper than the cap (RapidJSON itself accepts both).
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
  bool Double(double d) { return doc_.Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) {
    return doc_.RawNumber(s, n, copy);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return doc_.String(s, n, copy); }
  bool StartObject() {
    if (!enter()) return false;
    keys_.emplace_back();
    return doc_.StartObject();
  }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) {
    if (!keys_.back().emplace(s, n).second) {
      duplicate_ = std::string(s, n);
      return false;
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

  const std::string& duplicate() const { return duplicate_; }
  bool too_deep() const { return too_deep_; }

 private:
  bool enter() {
    if (++depth_ > max_depth_) {
      too_deep_ = true;
      return false;
    }
    return true;
  }
  rapidjson::Document& doc_;
  std::size_t max_depth_;
  std::size_t depth_ = 0;
  std::vector<std::set<std::string, std::less<>>> keys_;
  std::string duplicate_;
  bool too_deep_ = false;
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
  if (!handler.duplicate().empty()) {
    detail = "duplicate member name \"" + handler.duplicate() + "\"";
  } else if (handler.too_deep()) {
    detail = "nesting deeper than " + std::to_string(max_depth) + " levels";
  } else {
    detail = std::string(rapidjson::GetParseError_En(reader.GetParseErrorCode())) + " at offset " +
             std::to_string(reader.GetErrorOffset());
  }
  return core::make_error(core::ProblemType::Malformed, "Invalid JSON: " + detail);
}

}  // namespace signet::server::json
