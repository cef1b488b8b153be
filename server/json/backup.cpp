#include "server/json/backup.hpp"

#include "server/json/writer.hpp"

namespace signet::server::json {

using namespace detail;

std::string encode_backup(const std::string& database, const std::string& file,
                          const storage::BackupReport& report, double seconds) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  kv(w, "database", database);
  kv(w, "file", file);
  key(w, "bytes");
  w.Uint64(report.bytes);
  key(w, "schema_version");
  w.Int(report.schema_version);
  key(w, "accounts");
  w.Int64(report.accounts);
  key(w, "orders");
  w.Int64(report.orders);
  key(w, "certificates");
  w.Int64(report.certificates);
  key(w, "seconds");
  w.Double(seconds);
  w.EndObject();
  return done(b);
}

}  // namespace signet::server::json
