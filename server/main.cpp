// The command line: parse it, then hand over to one subcommand.
#include <CLI/CLI.hpp>
#include <iostream>
#include <map>
#include <utility>
#include <vector>

#include "server/commands/admin.hpp"
#include "server/commands/admin_cli.hpp"
#include "server/commands/commands.hpp"

namespace {

using signet::server::commands::Overrides;

// The options the server and the vantage agent share: where to listen and how to
// validate.
void validation_options(CLI::App* cmd, Overrides& o) {
  cmd->add_option("--config", o.config_file, "TOML configuration file")->check(CLI::ExistingFile);
  cmd->add_option("--http01-port", o.http01_port,
                  "Port http-01 validation connects to (default 80)")
      ->check(CLI::Range(1, 65535));
  cmd->add_option("--tlsalpn01-port", o.tlsalpn01_port,
                  "Port tls-alpn-01 validation connects to (default 443)")
      ->check(CLI::Range(1, 65535));
  cmd->add_option("--dns-resolver", o.dns_resolvers,
                  "DNS resolver IP:PORT for validation (repeatable)");
  cmd->add_option("--validation-allow", o.validation_allow,
                  "CIDR validation may reach even if the default policy refuses it (repeatable)");
  cmd->add_option("--threads", o.threads, "Network threads (default: one per core)")
      ->check(CLI::Range(1, 256));
}

}  // namespace

int main(int argc, char** argv) {
  namespace commands = signet::server::commands;
  CLI::App app{"Signet: an ACME (RFC 8555) server and private certificate authority"};
  app.require_subcommand(1);

  Overrides serve_o;
  auto* serve =
      app.add_subcommand("serve", "Run the ACME server (with no options: the embedded default)");
  serve->add_option("--listen", serve_o.listen,
                    "HTTPS listen address IP:PORT (default 127.0.0.1:14000; port 0 picks one)");
  serve->add_option("--http-listen", serve_o.http_listen,
                    "Plain HTTP listen address IP:PORT for CRLs (default 127.0.0.1:14080; port 0 "
                    "picks one; empty: none)");
  serve->add_option("--admin-listen", serve_o.admin_listen,
                    "Admin listen address IP:PORT for /metrics (default 127.0.0.1:14090; port 0 "
                    "picks one; empty: none)");
  serve->add_option("--data-dir", serve_o.data_dir, "Data directory (default ./signet-data)");
  serve->add_option("--database", serve_o.database,
                    "PostgreSQL database, postgresql://user@host/db, instead of SQLite in the "
                    "data directory ([storage] backend = \"postgresql\", url = URL)");
  serve->add_option("--external-url", serve_o.external_url,
                    "Base URL clients use (default https://localhost:<port>)");
  serve->add_option("--node-name", serve_o.node_name,
                    "This node's name among several on one database (default: host name and "
                    "configured listen port)");
  serve->add_flag("--testing", serve_o.testing,
                  "Run as a test CA for CI pipelines ([testing] enabled = true; see docs/ci.md): "
                  "never for a CA anyone trusts");
  validation_options(serve, serve_o);

  Overrides agent_o;
  std::string credentials;
  auto* agent = app.add_subcommand(
      "vantage", "Run a remote vantage agent that corroborates a Signet server's validations");
  agent->add_option("--listen", agent_o.listen,
                    "HTTPS listen address IP:PORT (default 127.0.0.1:14100; port 0 picks one)");
  agent
      ->add_option("--credentials", credentials,
                   "Directory written by `signet vantage-credentials`")
      ->required()
      ->check(CLI::ExistingDirectory);
  validation_options(agent, agent_o);

  std::string data_dir = "./signet-data", out_dir;
  std::vector<std::string> hosts;
  auto* creds = app.add_subcommand("vantage-credentials",
                                   "Issue a vantage agent's TLS certificate from this server's CA");
  creds->add_option("--data-dir", data_dir, "The server's data directory (default ./signet-data)");
  std::optional<std::string> creds_database;
  creds->add_option("--database", creds_database,
                    "The server's PostgreSQL database, postgresql://user@host/db (default: the "
                    "data directory's SQLite database)");
  creds->add_option("--host", hosts, "Name or IP address the server reaches the agent at")
      ->required();
  creds->add_option("--out", out_dir, "Directory to write the credentials to")->required();
  std::optional<std::string> creds_config;
  creds
      ->add_option("--config", creds_config,
                   "The server's configuration file, for its [ca] key when the ACME issuer's key "
                   "is in an HSM")
      ->check(CLI::ExistingFile);

  // The operator's commands: cert, account, order, ca, backup, config.
  commands::AdminCli admin(app);
  commands::EabArgs eab_o;
  auto* eab = app.add_subcommand(
      "eab", "Manage external account keys (RFC 8555 §7.3.4) in a data directory");
  eab->require_subcommand(1);
  std::map<CLI::App*, std::string> eab_actions;
  for (const auto& [name, what] : std::vector<std::pair<std::string, std::string>>{
           {"create", "Create a key and print its key id and HMAC key"},
           {"list", "List the keys"},
           {"show", "Show a key and the accounts bound to it"},
           {"revoke", "Revoke a key: no new bindings, no orders for its accounts"}}) {
    auto* cmd = eab->add_subcommand(name, what);
    eab_actions[cmd] = name;
    commands::data_dir_options(cmd, eab_o.data_dir, eab_o.config_file, eab_o.json, &eab_o.database);
    if (name == "show" || name == "revoke") {
      cmd->add_option("KID", eab_o.kid, "The key id")->required();
    }
    if (name == "create") {
      cmd->add_option("--kid", eab_o.kid, "Key id (default: a random one)");
      cmd->add_option("--note", eab_o.note, "A note for operators");
      cmd->add_option("--allowed-domains", eab_o.allowed_domains,
                      "Names its accounts may order: these and names under them")
          ->delimiter(',');
      cmd->add_option("--prevalidated-domains", eab_o.prevalidated_domains,
                      "Names authorized without a challenge: these and names under them")
          ->delimiter(',');
      cmd->add_option("--profiles", eab_o.profiles, "Certificate profiles its accounts may use")
          ->delimiter(',');
      cmd->add_option("--max-validity-days", eab_o.max_validity_days,
                      "Longest validity of its accounts' certificates")
          ->check(CLI::Range(1, 36600));
      cmd->add_flag("--reusable", eab_o.reusable, "Bind any number of accounts (default: one)");
    }
  }

  app.add_subcommand("version", "Print the version");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Help is success; any other parse error is a usage error.
    const int rc = app.exit(e);
    return rc == 0 ? 0 : commands::kExitUsage;
  }
  if (app.got_subcommand("version")) {
    std::cout << "signet 0.1.0\n";
    return 0;
  }
  if (app.got_subcommand(eab)) {
    for (const auto& [cmd, name] : eab_actions) {
      if (eab->got_subcommand(cmd)) return commands::eab(name, eab_o);
    }
  }
  if (app.got_subcommand(agent)) return commands::vantage(agent_o, credentials);
  if (app.got_subcommand(creds))
    return commands::vantage_credentials(data_dir, creds_database, hosts, out_dir, creds_config);
  if (auto rc = admin.run()) return *rc;
  return commands::serve(serve_o);
}
