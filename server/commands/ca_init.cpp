// `signet ca init --pkcs11 URI`: the ACME issuer's key made inside a PKCS#11 token, and its
// certificate signed by the root; `signet serve` with [ca] key = URI then signs with it.
// Also what opens the token for `signet serve`.
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "ca/certificate_authority.hpp"
#include "ca/hierarchy.hpp"
#include "core/clock.hpp"
#include "core/files.hpp"
#include "server/commands/admin.hpp"
#include "server/commands/admin_cli.hpp"
#include "server/commands/ca_token.hpp"
#include "server/commands/commands.hpp"
#include "server/commands/common.hpp"

namespace signet::server::commands {
namespace fs = std::filesystem;

namespace {

// The PIN: a file's first line (without its line end), or an environment variable.
core::Result<std::string> read_pin(const TokenKeyOptions& o) {
  if (!o.pin_file.empty() && !o.pin_env.empty())
    return core::internal_error("give the PIN one way: a file or an environment variable");
  if (!o.pin_file.empty()) {
    auto text = core::read_file(o.pin_file);
    if (!text) return core::internal_error("PIN file " + o.pin_file + ": " + text.error().detail);
    std::string pin = text->substr(0, text->find('\n'));
    if (!pin.empty() && pin.back() == '\r') pin.pop_back();
    if (pin.empty()) return core::internal_error("PIN file " + o.pin_file + " is empty");
    return pin;
  }
  if (!o.pin_env.empty()) {
    const char* pin = std::getenv(o.pin_env.c_str());
    if (pin == nullptr || *pin == '\0')
      return core::internal_error("environment variable " + o.pin_env +
                                  " (the token's PIN) is not set");
    return std::string(pin);
  }
  return core::internal_error(
      "no PIN for the token: give a file holding it or an environment variable");
}

}  // namespace

core::Result<std::unique_ptr<ca::Pkcs11Key>> login_token(const TokenKeyOptions& o) {
  if (o.module.empty()) return core::internal_error("no PKCS#11 module given for the token");
  auto pin = read_pin(o);
  if (!pin) return std::move(pin).error();
  return ca::Pkcs11Key::login({o.uri, o.module, *pin});
}

core::Result<std::shared_ptr<const ca::Pkcs11Key>> configured_token_key(const config::Config& c) {
  if (c.ca_key.empty()) return std::shared_ptr<const ca::Pkcs11Key>();
  auto key = login_token({c.ca_key, c.ca_pkcs11_module, c.ca_pin_file, c.ca_pin_env});
  if (!key) return core::internal_error("[ca] key: " + key.error().detail);
  auto shared = std::shared_ptr<const ca::Pkcs11Key>(std::move(key).value());
  // Found now, not at the first signature: a missing key stops the start.
  if (auto pkey = shared->private_key(); !pkey)
    return core::internal_error("[ca] key: " + pkey.error().detail);
  return shared;
}

CLI::App* add_ca_init(CLI::App* ca, CaInitOptions& o) {
  auto* cmd = ca->add_subcommand(
      "init",
      "Generate the ACME issuer's key inside a PKCS#11 token (an HSM) and have the root sign "
      "its certificate; then `signet serve` with [ca] key = URI signs with it");
  cmd->add_option("--pkcs11", o.uri,
                  "RFC 7512 URI of the key to make, e.g. "
                  "\"pkcs11:token=signet;object=intermediate\"")
      ->required();
  token_options(cmd, o.module, o.pin_file, o.pin_env);
  cmd->add_option("--data-dir", o.data_dir,
                  "The server's data directory (default: the --config file's, else "
                  "./signet-data)");
  cmd->add_option("--config", o.config_file,
                  "TOML configuration file (for its data_dir and [ca] module and PIN source)")
      ->check(CLI::ExistingFile);
  return cmd;
}

core::Result<std::pair<TokenKeyOptions, std::string>> token_key_options(const TokenCommandLine& c) {
  TokenKeyOptions t{c.uri, c.module.value_or(""), c.pin_file.value_or(""),
                    c.pin_env.value_or("")};
  std::string data_dir = c.data_dir.value_or("./signet-data");
  if (c.config_file) {
    Overrides o;
    o.config_file = c.config_file;
    auto cfg = load_config(o);
    if (!cfg) return std::move(cfg).error();
    if (!c.data_dir) data_dir = cfg->data_dir;
    if (!c.module) t.module = cfg->ca_pkcs11_module;
    if (!c.pin_file && !c.pin_env) {
      t.pin_file = cfg->ca_pin_file;
      t.pin_env = cfg->ca_pin_env;
    }
  }
  if (auto uri = ca::Pkcs11Uri::parse(t.uri); !uri) return std::move(uri).error();
  if (t.module.empty())
    return core::internal_error("--module: the PKCS#11 module of the token is required");
  if (t.pin_file.empty() && t.pin_env.empty())
    return core::internal_error("--pin-file or --pin-env: the token's PIN is required");
  return std::pair{std::move(t), std::move(data_dir)};
}

int ca_init(const CaInitOptions& a) {
  // Module and PIN: the command line, else the --config file's [ca].
  auto options =
      token_key_options({a.uri, a.module, a.pin_file, a.pin_env, a.data_dir, a.config_file});
  if (!options) return usage(options.error().detail);
  const auto& [t, data_dir] = *options;

  // What is there already decides: an ACME issuer is never replaced here, and a new one
  // needs the root's key.
  const ca::HierarchyPaths paths(data_dir);
  if (fs::exists(paths.acme_cert)) {
    return fail(data_dir + " already has an ACME issuer (" + paths.acme_cert.string() +
                "); `signet ca init --pkcs11` makes the first one");
  }
  if (fs::exists(paths.root_cert) && !fs::exists(paths.root_key)) {
    return fail("the root's key " + paths.root_key.string() +
                " is not there: it must sign the new ACME issuer's certificate");
  }

  auto token = login_token(t);
  if (!token) return fail(token.error().detail);
  auto pub = (*token)->generate_ec_p256();
  if (!pub) return fail(pub.error().detail);
  std::cout << "Generated an ECDSA P-256 key in " << (*token)->token() << " (" << t.uri << ")\n";

  core::SystemClock clock;
  const bool fresh = !fs::exists(paths.root_cert);
  auto ca = ca::CertificateAuthority::open(fs::path(data_dir), clock,
                                           std::shared_ptr<const ca::Pkcs11Key>(std::move(*token)));
  if (!ca) {
    return fail(ca.error().detail + " (the key stays in the token; remove it there before " +
                "trying again)");
  }
  if (fresh) {
    std::cout << "Created the root " << paths.root_cert.string() << " and the infrastructure "
              << "issuer (their keys are files under " << (fs::path(data_dir) / "ca").string()
              << ")\n";
  }
  std::cout << "The root signed the ACME issuer's certificate: " << paths.acme_cert.string()
            << "\nIts key never leaves the token. Start the server with, in its configuration:\n"
            << "  [ca]\n"
            << "  key = \"" << t.uri << "\"\n"
            << "  pkcs11_module = \"" << t.module << "\"\n"
            << (t.pin_file.empty() ? "  pin_env = \"" + t.pin_env + "\"\n"
                                   : "  pin_file = \"" + t.pin_file + "\"\n")
            << "The root's key (" << paths.root_key.string()
            << ") is needed only to make issuers: keep it offline once the server has started.\n";
  return 0;
}

}  // namespace signet::server::commands
