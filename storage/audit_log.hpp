#pragma once
// The audit log table, private to storage/: entries appended inside the write that
// records the change (the same transaction), each chained to the one before it
// (core/audit.hpp). Appends are serialized: by SQLite's write lock, and in PostgreSQL
// by a lock the head query takes first (storage/pg_statements.hpp), so every process
// writing to one database extends one chain. Templates over the backend's connection.
#include <cstdint>
#include <vector>

#include "core/audit.hpp"
#include "storage/statements.hpp"

namespace signet::storage::detail {

// Appends e after the newest entry; returns its number.
template <class Db>
std::int64_t append_audit(Db& db, const core::audit::Entry& e) {
  std::int64_t seq = 1;
  std::string prev = core::audit::kGenesis;
  {
    auto head = db.prepare(sql::kAuditHead);
    if (head.step()) {
      seq = head.integer(0) + 1;
      prev = head.text(1);
    }
  }
  const auto r = core::audit::chain(seq, e, prev);
  db.prepare(sql::kInsertAudit).bind(1, r.seq).bind(2, r.text).bind(3, r.hash).exec();
  return seq;
}

// At most `limit` entries numbered after `after`, in order.
template <class Db>
std::vector<core::audit::Record> audit_records(Db& db, std::int64_t after, std::size_t limit) {
  auto st = db.prepare(sql::kAuditRecords);
  st.bind(1, after).bind(2, static_cast<int64_t>(limit));
  std::vector<core::audit::Record> out;
  while (st.step()) out.push_back({st.integer(0), st.text(1), st.text(2)});
  return out;
}

}  // namespace signet::storage::detail
