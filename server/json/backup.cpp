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

std::string encode_database_copy(const std::string& database, const storage::CopyReport& report,
                                 double seconds) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  kv(w, "database", database);
  key(w, "schema_version");
  w.Int(report.schema_version);
  key(w, "tables");
  w.StartObject();
  for (const auto& t : report.tables) {
    key(w, t.table);
    w.StartObject();
    key(w, "copied");
    w.Bool(t.copied);
    key(w, "source");
    w.Int64(t.source);
    key(w, "target");
    w.Int64(t.target);
    w.EndObject();
  }
  w.EndObject();
  key(w, "audit_entries");
  w.Int64(report.audit_entries);
  key(w, "seconds");
  w.Double(seconds);
  w.EndObject();
  return done(b);
}

}  // namespace signet::server::json
