// `signet config check`: reads and checks a configuration file as `signet serve` and
// SIGHUP do (the file, then the rules built from it), without starting anything.
#include <iostream>

#include "ca/pkcs11.hpp"
#include "server/commands/admin.hpp"
#include "server/commands/commands.hpp"
#include "server/commands/common.hpp"
#include "server/testing.hpp"

namespace signet::server::commands {

int config_check(const AdminArgs& a) {
  const std::string what =
      a.config_file ? *a.config_file : std::string("the embedded default configuration");
  Overrides o;
  o.config_file = a.config_file;
  o.testing = a.testing;
  auto cfg = load_config(o);
  if (!cfg) return fail(what + ": " + cfg.error().detail);
  // Every challenge type: the server offers them all.
  auto rules = build_rules(*cfg, {core::ChallengeType::Http01, core::ChallengeType::Dns01,
                                  core::ChallengeType::TlsAlpn01});
  if (!rules) return fail(what + ": " + rules.error().detail);
  // [ca] key: its URI is read here; the token is opened only by `signet serve`.
  if (!cfg->ca_key.empty()) {
    if (auto uri = ca::Pkcs11Uri::parse(cfg->ca_key); !uri)
      return fail(what + ": [ca] key: " + uri.error().detail);
  }
  std::string profiles;
  for (const auto& [name, p] : (*rules)->profiles)
    profiles += (profiles.empty() ? "" : ", ") + name;
  std::cout << "OK: " << what << " is valid (data directory " << cfg->data_dir << "; profiles "
            << profiles << ", default " << (*rules)->default_profile << ")\n";
  if (!cfg->ca_key.empty())
    std::cout << "ACME issuer's key: in a PKCS#11 token, " << cfg->ca_key << "\n";
  std::cout << "OCSP answers signed by: "
            << (config::ocsp_signed_by_issuer(*cfg)
                    ? "the ACME issuer's key"
                    : "the delegated responder (ca/ocsp-responder-key.pem)")
            << "\n";
  if (cfg->testing.enabled) {
    std::cout << "Test CA mode: on; not for a CA anyone trusts\n";
    for (const auto& line : describe_knobs(cfg->testing)) std::cout << "  " << line << "\n";
  }
  return 0;
}

}  // namespace signet::server::commands
