// The command line: parse it, then hand over to one subcommand.
#include <CLI/CLI.hpp>
#include <iostream>

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
  serve->add_option("--data-dir", serve_o.data_dir, "Data directory (default ./signet-data)");
  serve->add_option("--external-url", serve_o.external_url,
                    "Base URL clients use (default https://localhost:<port>)");
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
  creds->add_option("--host", hosts, "Name or IP address the server reaches the agent at")
      ->required();
  creds->add_option("--out", out_dir, "Directory to write the credentials to")->required();

  // Administering issued certificates: `signet cert <action>`.
  auto* cert = app.add_subcommand("cert", "Administer issued certificates");
  cert->require_subcommand(1);
  commands::RenewEarlyOptions early{"./signet-data", {}, {}, {}, false};
  auto* renew_early = cert->add_subcommand(
      "renew-early",
      "Ask clients to renew certificates now: their renewal window (RFC 9773) moves into the "
      "past");
  renew_early->add_option("--data-dir", early.data_dir,
                          "The server's data directory (default ./signet-data)");
  auto* by_serial = renew_early->add_option(
      "--serial", early.serial, "A certificate's serial, lower-case hex without separators");
  auto* by_account = renew_early->add_option("--account", early.account,
                                             "Every current certificate of an account");
  auto* by_name = renew_early->add_option(
      "--name", early.name,
      "Every current certificate for a name (\"*.example.com\" for a wildcard)");
  by_serial->excludes(by_account)->excludes(by_name);
  by_account->excludes(by_name);
  renew_early->add_flag("--json", early.json, "Print what was marked as JSON");

  app.add_subcommand("version", "Print the version");
  CLI11_PARSE(app, argc, argv);
  if (app.got_subcommand("version")) {
    std::cout << "signet 0.1.0\n";
    return 0;
  }
  if (app.got_subcommand(agent)) return commands::vantage(agent_o, credentials);
  if (app.got_subcommand(creds)) return commands::vantage_credentials(data_dir, hosts, out_dir);
  if (cert->got_subcommand(renew_early)) {
    if (!early.serial && !early.account && !early.name) {
      std::cerr << "signet cert renew-early: give one of --serial, --account, --name\n";
      return 2;
    }
    return commands::cert_renew_early(early);
  }
  return commands::serve(serve_o);
}
