#pragma once
// The `signet` subcommands. Each builds its services from the configuration, runs
// until SIGINT/SIGTERM (or does its one job), and returns the process exit code.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace signet::server::commands {

// Command-line values that override the configuration file.
struct Overrides {
  std::optional<std::string> config_file, listen, http_listen, admin_listen, data_dir,
      external_url, node_name;
  std::optional<std::string> database;  // --database URL: [storage] postgresql at URL
  std::optional<int> http01_port, tlsalpn01_port, threads;
  std::vector<std::string> dns_resolvers, validation_allow;
  bool testing = false;  // --testing: [testing] enabled
};

// The ACME server.
int serve(const Overrides& o);

// A remote vantage agent: validates for a Signet server from where it runs.
// credentials_dir holds what `vantage-credentials` wrote.
int vantage(const Overrides& o, const std::string& credentials_dir);

// Issues a vantage agent's TLS credentials from the CA in data_dir (created if it is
// not there yet) into out_dir, recording them in the database (--database URL, else
// data_dir's). config_file: the server's, for its [ca] key (an ACME issuer whose key is
// in a token).
int vantage_credentials(const std::string& data_dir, const std::optional<std::string>& database,
                        const std::vector<std::string>& hosts, const std::string& out_dir,
                        const std::optional<std::string>& config_file = std::nullopt);

// `signet cert renew-early`: marks certificates in data_dir for early renewal (RFC 9773),
// one serial, an account's or a name's current certificates; works beside a running
// server. Prints what it marked, as text or JSON.
struct RenewEarlyOptions {
  std::string data_dir;
  std::optional<std::string> database;  // --database URL, instead of data_dir's
  std::optional<std::string> serial, account, name;
  bool json = false;
};
int cert_renew_early(const RenewEarlyOptions& o);

// The operator's commands on a data directory, beside a running server: `signet cert
// revoke|list|show`, `account list|show|deactivate`, `order list`, `ca show`, `config
// check`, `audit verify|export`, `backup`; and `database copy` (the server stopped).
// Read commands print a table, or JSON with --json. Exit codes: admin.hpp.
struct AdminArgs {
  std::optional<std::string> config_file, data_dir;  // data_dir: else the config's
  std::optional<std::string> database;               // --database URL: else the config's [storage]
  bool json = false;
  std::string target;  // the SERIAL or account ID a command takes
  std::optional<std::string> serial, account, name, reason, status, expiring_within;
  std::size_t limit = 1000;
  std::optional<std::string> file;  // audit verify --file
  std::optional<std::string> out;   // audit export --out, backup --out
  std::int64_t after = 0;           // audit export --after
  bool force = false;               // backup: replace the --out file if it exists
  std::optional<std::string> to;    // database copy --to: the PostgreSQL URL
  bool testing = false;  // config check --testing: as `signet serve --testing` would
};
int cert_revoke(const AdminArgs& a);
int cert_list(const AdminArgs& a);
int cert_show(const AdminArgs& a);
int account_list(const AdminArgs& a);
int account_show(const AdminArgs& a);
int account_deactivate(const AdminArgs& a);
int order_list(const AdminArgs& a);
int ca_show(const AdminArgs& a);
// `signet ca import` and `signet ca rollover` (ca_import.cpp): a new ACME issuer in a
// data directory (ca/import.hpp, ca/rollover.hpp), taken up at the server's next start.
struct CaChangeArgs {
  std::optional<std::string> config_file, data_dir;
  std::optional<std::string> database;  // where the change is recorded in the audit log
  bool json = false;
  std::string cert, key, chain;  // import
  std::optional<std::string> module, pin_file, pin_env;  // a key in a token (import, rollover)
  bool root = false;             // rollover --root
  std::string pkcs11;            // rollover --pkcs11: the new key's URI in a token
};
int ca_import(const CaChangeArgs& a);
int ca_rollover(const CaChangeArgs& a);
int config_check(const AdminArgs& a);
// `signet audit verify [--file F]`: exit code 1 when the chain is broken.
int audit_verify(const AdminArgs& a);
int audit_export(const AdminArgs& a);
// `signet backup --out FILE`: an online copy of the data directory's database, beside a
// running server (storage/sqlite_backup.hpp); refuses to replace FILE without --force.
int backup(const AdminArgs& a);
// `signet database copy --to URL`: the data directory's SQLite database copied into a new,
// empty PostgreSQL database in one transaction (storage/database_copy.hpp), each table's
// rows counted on both sides.
int database_copy(const AdminArgs& a);
// `signet eab create|list|show|revoke`: external account keys (RFC 8555 §7.3.4) in a
// data directory, a running server's included (both open the database; the keys are
// managed through the authority's ExternalAccounts, as the server reads them).
struct EabArgs {
  std::optional<std::string> config_file,
      data_dir;     // data_dir: else the config's, else ./signet-data
  std::optional<std::string> database;  // --database URL: else the config's [storage]
  std::string kid;  // show, revoke; create: optional
  std::string note;
  std::vector<std::string> allowed_domains, prevalidated_domains, profiles;
  std::optional<int> max_validity_days;
  bool reusable = false;
  bool json = false;
};
int eab(const std::string& action, const EabArgs& a);

// `signet ca init --pkcs11 URI [--module PATH] [--pin-file F | --pin-env VAR]`: generates
// the ACME issuer's key inside a PKCS#11 token and has the root (created with the
// infrastructure issuer when the data directory has none) sign its certificate. Module
// and PIN source default to the --config file's [ca].
struct CaInitOptions {
  std::string uri;
  std::optional<std::string> module, pin_file, pin_env, data_dir, config_file;
};
int ca_init(const CaInitOptions& o);

}  // namespace signet::server::commands
