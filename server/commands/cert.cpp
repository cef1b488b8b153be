// `signet cert ...`: administering issued certificates from the data directory, beside
// a running server (SQLite in WAL mode serves both processes). Everything goes through
// the authority, as the ACME front end does.
#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iostream>

#include "authority/renewals.hpp"
#include "core/async.hpp"
#include "server/commands/commands.hpp"
#include "server/commands/common.hpp"
#include "server/json/encode.hpp"
#include "storage/sqlite_store.hpp"

namespace signet::server::commands {

namespace fs = std::filesystem;

namespace {

// A name as certificates carry it: an IP address in its canonical spelling, or a DNS
// name in lower case.
core::Identifier identifier_of(const std::string& name) {
  boost::system::error_code ec;
  const auto ip = boost::asio::ip::make_address(name, ec);
  if (!ec) return {core::IdentifierType::Ip, ip.to_string()};
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return {core::IdentifierType::Dns, lower};
}

std::string names_of(const core::Certificate& c) {
  std::string out;
  for (const auto& id : c.identifiers) out += (out.empty() ? "" : ", ") + id.value;
  return out;
}

}  // namespace

int cert_renew_early(const RenewEarlyOptions& o) {
  authority::EarlyRenewalRequest r;
  std::string what;
  if (o.serial) {
    std::string serial = *o.serial;
    std::transform(serial.begin(), serial.end(), serial.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (serial.empty() || !std::all_of(serial.begin(), serial.end(), [](char c) {
          return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        })) {
      return fail("--serial takes hexadecimal digits without separators, as `signet` prints them");
    }
    r.serial = serial;
    what = "serial " + serial;
  } else if (o.account) {
    // An account id, or its URL.
    const auto slash = o.account->rfind('/');
    r.account =
        core::AccountId{slash == std::string::npos ? *o.account : o.account->substr(slash + 1)};
    what = "account " + r.account->value;
  } else if (o.name) {
    r.name = identifier_of(*o.name);
    what = "name " + r.name->value;
  }
  const fs::path db = fs::path(o.data_dir) / "signet.db";
  if (!fs::exists(db)) return fail("no Signet database in " + o.data_dir + " (see --data-dir)");
  auto store = storage::SqliteStore::open(db.string());
  if (!store) return fail(store.error().detail);
  core::SystemClock clock;
  authority::Renewals renewals(**store, clock);
  auto marked = core::await_blocking(renewals.renew_early(r));
  if (!marked) return fail(marked.error().detail);

  if (o.json) {
    std::cout << json::encode_early_renewals(*marked) << "\n";
    return 0;
  }
  if (marked->empty()) {
    std::cout << "No current (unexpired, unrevoked) certificate for " << what
              << ": nothing marked\n";
    return 0;
  }
  const auto fresh = std::count_if(marked->begin(), marked->end(),
                                   [](const authority::EarlyRenewal& e) { return e.newly_marked; });
  std::cout << "Marked " << fresh << " of " << marked->size() << " certificate"
            << (marked->size() == 1 ? "" : "s") << " for " << what
            << " for early renewal; ARI clients renew them at their next check:\n";
  for (const auto& e : *marked) {
    const auto& c = e.certificate;
    std::cout << "  " << c.serial << "  " << names_of(c) << "  (account " << c.account_id.value
              << ", expires " << json::format_rfc3339(c.not_after) << ")"
              << (e.newly_marked ? "" : "  already marked") << "\n";
  }
  return 0;
}

}  // namespace signet::server::commands
