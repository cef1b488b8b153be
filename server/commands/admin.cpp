#include "server/commands/admin.hpp"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <iostream>

#include "core/ascii.hpp"
#include "server/commands/common.hpp"

namespace signet::server::commands {

namespace fs = std::filesystem;

int usage(const std::string& what) {
  std::cerr << "signet: " << what << "\n";
  return kExitUsage;
}

core::Result<std::string> data_dir_of(const std::optional<std::string>& config_file,
                                      const std::optional<std::string>& data_dir) {
  if (data_dir) return *data_dir;
  if (!config_file) return std::string("./signet-data");
  Overrides o;
  o.config_file = config_file;
  auto cfg = load_config(o);
  if (!cfg) return std::move(cfg).error();
  return cfg->data_dir;
}

core::Result<std::string> database_file(const std::string& data_dir) {
  const fs::path db = fs::path(data_dir) / "signet.db";
  std::error_code ec;
  if (!fs::exists(db, ec)) {
    return core::make_error(core::ProblemType::NotFound,
                            "no Signet database in " + data_dir + " (see --data-dir)");
  }
  return db.string();
}

core::Result<std::unique_ptr<storage::Store>> open_database(
    const std::optional<std::string>& config_file, const std::optional<std::string>& data_dir,
    const std::optional<std::string>& database, bool create) {
  Overrides o;
  o.config_file = config_file;
  o.data_dir = data_dir;
  o.database = database;
  auto cfg = load_config(o);
  if (!cfg) return std::move(cfg).error();
  if (cfg->storage_backend == "sqlite" && create) {
    std::error_code ec;
    fs::create_directories(cfg->data_dir, ec);
    if (ec) {
      return core::internal_error("cannot create data directory " + cfg->data_dir + ": " +
                                  ec.message());
    }
  } else if (cfg->storage_backend == "sqlite") {
    if (auto file = database_file(cfg->data_dir); !file) return std::move(file).error();
  }
  auto db = open_store(*cfg);
  if (!db) return std::move(db).error();
  return std::move(db->store);
}

core::Result<std::unique_ptr<storage::Store>> open_database(const AdminArgs& a) {
  return open_database(a.config_file, a.data_dir, a.database);
}

core::Result<std::string> parse_serial(std::string_view text) {
  const auto bad = [&](const std::string& why) {
    return core::make_error(
        core::ProblemType::Malformed,
        "bad serial \"" + std::string(text) + "\": " + why +
            "; give hexadecimal digits without separators, as `signet cert list` "
            "prints them");
  };
  if (text.empty()) return bad("it is empty");
  if (text.find(':') != std::string_view::npos) return bad("it has colons");
  const std::string lower = core::ascii_lower(text);
  if (!std::all_of(lower.begin(), lower.end(),
                   [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }))
    return bad("it has characters that are not hex digits");
  if (lower.size() > 40) return bad("it is longer than 20 octets (RFC 5280 §4.1.2.2)");
  return lower;
}

core::Identifier identifier_of(const std::string& name) {
  boost::system::error_code ec;
  const auto ip = boost::asio::ip::make_address(name, ec);
  if (!ec) return {core::IdentifierType::Ip, ip.to_string()};
  return {core::IdentifierType::Dns, core::ascii_lower(name)};
}

core::AccountId account_id_of(const std::string& id_or_url) {
  const auto slash = id_or_url.rfind('/');
  return core::AccountId{slash == std::string::npos ? id_or_url : id_or_url.substr(slash + 1)};
}

core::Result<core::Seconds> parse_duration(std::string_view text) {
  const auto bad = core::make_error(
      core::ProblemType::Malformed,
      "bad duration \"" + std::string(text) + "\": give whole days or hours, such as 30d or 12h");
  if (text.size() < 2) return bad;
  const char unit = text.back();
  long long n = 0;
  const auto digits = text.substr(0, text.size() - 1);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size() || n <= 0 || n > 36600 * 24)
    return bad;
  if (unit == 'd') return core::Seconds(n * 86400);
  if (unit == 'h') return core::Seconds(n * 3600);
  return bad;
}

void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    std::cout << line << "\n";
  }
}

std::string joined_names(const std::vector<core::Identifier>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ",") + id.value;
  return out;
}

}  // namespace signet::server::commands
