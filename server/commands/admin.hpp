#pragma once
// What the operator's commands share (`signet cert`, `account`, `order`, `ca`, `eab`):
// the data directory and its database, and the values an operator types (serials,
// names, accounts, durations) read the way Signet prints them. Every command works
// beside a running server on the same data directory.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/identifier.hpp"
#include "core/ids.hpp"
#include "core/result.hpp"
#include "server/commands/commands.hpp"
#include "storage/store.hpp"

namespace signet::server::commands {

// Exit codes: 0 done, 1 it could not be done (an error, not found, refused), 2 the
// command line is wrong (CLI11's parse errors, and values checked after parsing).
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;

// Prints "signet: <what>" on stderr and returns kExitUsage.
int usage(const std::string& what);

// The data directory: --data-dir, else the --config file's, else ./signet-data.
core::Result<std::string> data_dir_of(const std::optional<std::string>& config_file,
                                      const std::optional<std::string>& data_dir);
// The database file of an existing data directory (`NotFound` when it has none: a typo
// in --data-dir must not create an empty one).
core::Result<std::string> database_file(const std::string& data_dir);
// The database a command names: --database URL (PostgreSQL), else the --config file's
// [storage], else signet.db in the data directory (--data-dir, else the config's, else
// ./signet-data), `NotFound` when it has none unless `create`.
core::Result<std::unique_ptr<storage::Store>> open_database(
    const std::optional<std::string>& config_file, const std::optional<std::string>& data_dir,
    const std::optional<std::string>& database, bool create = false);
core::Result<std::unique_ptr<storage::Store>> open_database(const AdminArgs& a);

// A serial as Signet prints it: hex digits, upper case accepted, at most 40 (RFC 5280
// §4.1.2.2: 20 octets); returned in lower case. Colons and other separators are refused
// with a message that says so.
core::Result<std::string> parse_serial(std::string_view text);
// A name as certificates carry it: an IP address in its canonical spelling, or a DNS
// name (or "*.name") in lower case.
core::Identifier identifier_of(const std::string& name);
// An account id, or its URL (what ACME clients show).
core::AccountId account_id_of(const std::string& id_or_url);
// "30d", "12h": whole days or hours.
core::Result<core::Seconds> parse_duration(std::string_view text);

// Rows printed as columns aligned on their widest cell, two spaces apart; the first
// row is the header.
void print_table(const std::vector<std::vector<std::string>>& rows);
// A certificate's or an order's names, comma-separated.
std::string joined_names(const std::vector<core::Identifier>& ids);

}  // namespace signet::server::commands
