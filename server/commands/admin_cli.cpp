#include "server/commands/admin_cli.hpp"

#include <cctype>

namespace signet::server::commands {

namespace {

// --serial, --account and --name, one at most.
void selectors(CLI::App* cmd, std::optional<std::string>& serial,
               std::optional<std::string>& account, std::optional<std::string>& name,
               const std::string& which) {
  auto* s = cmd->add_option("--serial", serial,
                            "A certificate's serial: hex digits without separators, as Signet "
                            "prints them (upper case accepted)");
  auto* a = cmd->add_option("--account", account,
                            "Every " + which + " certificate of an account (its id or URL)");
  auto* n = cmd->add_option(
      "--name", name,
      "Every " + which + " certificate for a name (\"*.example.com\" for a wildcard)");
  s->excludes(a)->excludes(n);
  a->excludes(n);
}

}  // namespace

CLI::App* AdminCli::add(CLI::App* parent, const std::string& name, const std::string& what,
                        int (*fn)(const AdminArgs&), bool on_data_dir) {
  auto* cmd = parent->add_subcommand(name, what);
  commands_[cmd] = fn;
  if (on_data_dir) {
    data_dir_options(cmd, args_.data_dir, args_.config_file, args_.json, &args_.database);
  }
  return cmd;
}

void data_dir_options(CLI::App* cmd, std::optional<std::string>& data_dir,
                      std::optional<std::string>& config_file, bool& json,
                      std::optional<std::string>* database) {
  cmd->add_option("--data-dir", data_dir,
                  "The server's data directory (default: the --config file's, else "
                  "./signet-data)");
  if (database) {
    cmd->add_option("--database", *database,
                    "The server's PostgreSQL database, postgresql://user@host/db (default: the "
                    "--config file's [storage], else the data directory's SQLite database)");
  }
  cmd->add_option("--config", config_file, "TOML configuration file (for its data_dir)")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--json", json, "Print JSON");
}

void token_options(CLI::App* cmd, std::optional<std::string>& module,
                   std::optional<std::string>& pin_file, std::optional<std::string>& pin_env,
                   const std::string& with) {
  const auto text = [&](std::string what) {
    if (with.empty()) what[0] = static_cast<char>(std::toupper(what[0]));
    return with + what;
  };
  cmd->add_option("--module", module,
                  text("the token's PKCS#11 module (default: the --config file's [ca] "
                       "pkcs11_module)"));
  auto* file = cmd->add_option("--pin-file", pin_file,
                               text("a file whose first line is the token's user PIN"));
  auto* env = cmd->add_option("--pin-env", pin_env,
                              text("an environment variable holding the token's user PIN"));
  file->excludes(env);
}

AdminCli::AdminCli(CLI::App& app) {
  const auto limit = [this](CLI::App* cmd) {
    cmd->add_option("--limit", args_.limit, "Print at most this many (default 1000)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}));
  };

  // `signet cert <action>`: issued certificates.
  auto* cert = app.add_subcommand("cert", "Administer issued certificates");
  cert->require_subcommand(1);
  renew_early_ = cert->add_subcommand(
      "renew-early",
      "Ask clients to renew certificates now: their renewal window (RFC 9773) moves into the "
      "past");
  renew_early_->add_option("--data-dir", early_.data_dir,
                           "The server's data directory (default ./signet-data)");
  renew_early_->add_option("--database", early_.database,
                           "The server's PostgreSQL database, postgresql://user@host/db");
  selectors(renew_early_, early_.serial, early_.account, early_.name, "current");
  renew_early_->add_flag("--json", early_.json, "Print what was marked as JSON");

  auto* revoke = add(cert, "revoke",
                     "Revoke certificates: one serial, or every valid certificate of an account "
                     "or for a name; a running server's CRLs list them within seconds",
                     cert_revoke);
  selectors(revoke, args_.serial, args_.account, args_.name, "valid");
  revoke->add_option("--reason", args_.reason,
                     "RFC 5280 reason, number or name: 0 unspecified (default), 1 keyCompromise, "
                     "3 affiliationChanged, 4 superseded, 5 cessationOfOperation, 9 "
                     "privilegeWithdrawn");

  auto* list = add(cert, "list", "List certificates, soonest expiry first", cert_list);
  list->add_option("--account", args_.account, "An account's (its id or URL)");
  list->add_option("--name", args_.name, "Those naming this (\"*.example.com\" for a wildcard)");
  list->add_option("--expiring-within", args_.expiring_within,
                   "Valid and expiring within this: whole days or hours (30d, 12h)");
  list->add_option("--status", args_.status, "valid, revoked or expired");
  limit(list);

  auto* show =
      add(cert, "show", "Show a certificate: what the CA knows of it, and its PEM", cert_show);
  show->add_option("SERIAL", args_.target, "The certificate's serial")->required();

  // `signet account <action>`, `signet order list`: ACME accounts and orders.
  auto* account = app.add_subcommand("account", "Administer ACME accounts");
  account->require_subcommand(1);
  auto* accounts = add(account, "list", "List accounts, oldest first", account_list);
  limit(accounts);
  for (const auto& [name, what, fn] :
       {std::tuple{"show", "Show an account and its valid certificates", &account_show},
        std::tuple{"deactivate",
                   "Deactivate an account (RFC 8555 §7.3.6): its requests are refused; its "
                   "certificates stay valid",
                   &account_deactivate}}) {
    auto* cmd = add(account, name, what, fn);
    cmd->add_option("ID", args_.target, "The account's id or URL")->required();
  }
  auto* order = app.add_subcommand("order", "Inspect ACME orders");
  order->require_subcommand(1);
  auto* orders = add(order, "list", "List orders, newest first, with their status now", order_list);
  orders->add_option("--account", args_.account, "An account's (its id or URL)");
  orders->add_option("--status", args_.status, "pending, ready, processing, valid or invalid");
  limit(orders);

  // `signet ca show`, `signet backup`, `signet config check`.
  auto* ca = app.add_subcommand("ca", "Inspect or change the certificate authority");
  ca->require_subcommand(1);
  add(ca, "show",
      "Show the issuers: root, ACME issuer, infrastructure issuer (key type, subject, "
      "validity, SHA-256 fingerprint)",
      ca_show);
  ca_init_ = add_ca_init(ca, ca_init_options_);
  // `signet ca import|rollover`: the server takes the new issuer up at its next start.
  ca_import_ = ca->add_subcommand(
      "import",
      "Issue under an existing intermediate CA: its certificate, key and chain replace the "
      "ACME issuer from the server's next start (the old files are archived)");
  data_dir_options(ca_import_, ca_change_.data_dir, ca_change_.config_file, ca_change_.json,
                   &ca_change_.database);
  ca_import_->add_option("--cert", ca_change_.cert, "The intermediate's certificate (PEM)")
      ->required()
      ->check(CLI::ExistingFile);
  ca_import_->add_option("--key", ca_change_.key, "Its private key: a PEM file, or pkcs11:...")
      ->required();
  token_options(ca_import_, ca_change_.module, ca_change_.pin_file, ca_change_.pin_env,
                "With a pkcs11: key, ");
  ca_import_
      ->add_option("--chain", ca_change_.chain,
                   "The certificates above it, up to the root (PEM); served after it, "
                   "the root excepted")
      ->check(CLI::ExistingFile);
  ca_rollover_ = ca->add_subcommand(
      "rollover",
      "Make a new ACME issuer while the old one stays valid; with --root, under a new root "
      "cross-signed by the current one (downloads offer both chains)");
  data_dir_options(ca_rollover_, ca_change_.data_dir, ca_change_.config_file, ca_change_.json,
                   &ca_change_.database);
  ca_rollover_->add_flag("--root", ca_change_.root,
                         "Also make a new root, cross-signed by the current root");
  ca_rollover_->add_option("--pkcs11", ca_change_.pkcs11,
                           "Make the new ACME issuer's key inside a PKCS#11 token (an HSM) under "
                           "this RFC 7512 URI, e.g. \"pkcs11:token=signet;object=issuer-2\"; "
                           "then set [ca] key to it");
  token_options(ca_rollover_, ca_change_.module, ca_change_.pin_file, ca_change_.pin_env,
                "With --pkcs11, ");
  // `signet audit verify|export`: the audit log's chain.
  auto* audit = app.add_subcommand("audit", "Verify or export the audit log");
  audit->require_subcommand(1);
  add(audit, "verify",
      "Check the audit log's SHA-256 chain (the database's, or an exported file's): exit code "
      "1 if any entry was edited, removed or reordered",
      audit_verify)
      ->add_option("--file", args_.file,
                   "Verify this exported file (JSON lines from `audit export` or [audit] file) "
                   "instead of the database")
      ->check(CLI::ExistingFile);
  auto* export_cmd = add(audit, "export",
                         "Write the audit log's entries as JSON lines, each with its hash, "
                         "oldest first",
                         audit_export);
  export_cmd->add_option("--after", args_.after, "Only the entries numbered after this one")
      ->check(CLI::NonNegativeNumber);
  export_cmd->add_option("--out", args_.out, "Write to this file (default: standard output)");
  auto* copy = add(&app, "backup",
                   "Copy the data directory's database to a file while the server runs: one "
                   "consistent moment, checked before it takes its name (the CA's files are "
                   "backed up apart)",
                   backup);
  copy->add_option("--out", args_.out, "The backup file to write")->required();
  copy->add_flag("--force", args_.force, "Replace the --out file if it exists");

  // `signet database copy`: from SQLite to PostgreSQL.
  auto* database = app.add_subcommand("database", "Move the state to another database");
  database->require_subcommand(1);
  auto* db_copy = add(database, "copy",
                      "Copy the data directory's SQLite database into a new, empty PostgreSQL "
                      "database, all or nothing (stop the server first)",
                      database_copy, false);
  data_dir_options(db_copy, args_.data_dir, args_.config_file, args_.json);
  db_copy->add_option("--to", args_.to, "The PostgreSQL database, postgresql://user@host/db")
      ->required();

  auto* config = app.add_subcommand("config", "Check a configuration file");
  config->require_subcommand(1);
  auto* check = add(config, "check",
                    "Read and check a configuration file as `signet serve` would, without "
                    "starting (with no --config: the embedded default)",
                    config_check, false);
  check->add_option("--config", args_.config_file, "TOML configuration file")
      ->check(CLI::ExistingFile);
  check->add_flag("--testing", args_.testing,
                  "Check it as `signet serve --testing` would (the test CA mode on)");
}

std::optional<int> AdminCli::run() const {
  if (renew_early_->parsed()) return cert_renew_early(early_);
  if (ca_init_->parsed()) return ca_init(ca_init_options_);
  if (ca_import_->parsed()) return ca_import(ca_change_);
  if (ca_rollover_->parsed()) return ca_rollover(ca_change_);
  for (const auto& [cmd, fn] : commands_) {
    if (cmd->parsed()) return fn(args_);
  }
  return std::nullopt;
}

}  // namespace signet::server::commands
