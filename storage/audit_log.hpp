#pragma once
// The audit log table, private to storage/: entries appended inside the write that
// records the change (the same transaction), each chained to the one before it
// (core/audit.hpp). Appends are serialized by the database's write lock, so every
// process writing to one database extends one chain.
#include <cstdint>
#include <vector>

#include "core/audit.hpp"
#include "storage/sqlite_db.hpp"

namespace signet::storage::detail {

// Appends e after the newest entry; returns its number.
std::int64_t append_audit(Connection& db, const core::audit::Entry& e);
// At most `limit` entries numbered after `after`, in order.
std::vector<core::audit::Record> audit_records(Connection& db, std::int64_t after,
                                               std::size_t limit);

}  // namespace signet::storage::detail
