#include "server/json/ca_change.hpp"

#include "server/json/writer.hpp"

namespace signet::server::json {

using namespace detail;

std::string encode_ca_change(const std::string& action, const std::string& issuer,
                             const std::string& root,
                             const std::optional<std::string>& cross_signed_by,
                             const std::string& key, const std::string& archive) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  kv(w, "action", action);
  kv(w, "issuer", issuer);
  kv(w, "root", root);
  if (cross_signed_by) kv(w, "cross_signed_by", *cross_signed_by);
  kv(w, "key", key);
  kv(w, "archive", archive);
  kv(w, "takes_effect", "next start");
  w.EndObject();
  return done(b);
}

}  // namespace signet::server::json
