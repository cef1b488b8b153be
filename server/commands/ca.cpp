// `signet ca show`: the issuers of a data directory, read from their certificate files
// (no key is opened, nothing is created).
#include <iostream>

#include "ca/describe.hpp"
#include "server/commands/admin.hpp"
#include "server/commands/commands.hpp"
#include "server/commands/common.hpp"
#include "server/json/admin.hpp"
#include "server/json/encode.hpp"

namespace signet::server::commands {

int ca_show(const AdminArgs& a) {
  auto dir = data_dir_of(a.config_file, a.data_dir);
  if (!dir) return fail(dir.error().detail);
  // [ca] key: the ACME issuer's key in a token, as the server would sign with it.
  std::string token_key;
  if (a.config_file) {
    Overrides o;
    o.config_file = a.config_file;
    auto cfg = load_config(o);
    if (!cfg) return fail(cfg.error().detail);
    token_key = cfg->ca_key;
  }
  auto issuers = ca::describe_issuers(*dir, token_key);
  if (!issuers) return fail(issuers.error().detail);
  const core::SystemClock clock;
  for (auto& d : ca::describe_previous_issuers(*dir, clock.now())) issuers->push_back(std::move(d));
  if (a.json) {
    std::cout << json::encode_issuers(*issuers) << "\n";
    return 0;
  }
  const char* sep = "";
  for (const auto& d : *issuers) {
    const std::string role =
        d.role == "root"            ? "Root (what relying parties trust)"
        : d.role == "previous root" ? "Previous root (still trusted, in root.pem)"
        : d.role == "acme"          ? "ACME issuer (subscribers' certificates)"
        : d.role == "chain"         ? "Chain (served after the ACME issuer)"
        : d.role == "alternate"     ? "Alternate chain (offered with Link rel=\"alternate\")"
        : d.role == "previous acme" ? "Previous ACME issuer (CRLs and OCSP still published)"
                                    : "Infrastructure issuer (Signet's own TLS)";
    std::cout << sep << role << "\n"
              << "  File:              " << d.file << "\n"
              << "  Subject:           " << d.subject << "\n"
              << "  Issuer:            " << d.issuer << "\n"
              << "  Serial:            " << d.serial << "\n"
              << "  Key:               " << d.key_type << "\n"
              << "  Not before:        " << json::format_rfc3339(d.not_before) << "\n"
              << "  Not after:         " << json::format_rfc3339(d.not_after) << "\n"
              << "  SHA-256:           " << d.sha256_fingerprint << "\n"
              << "  Subject key id:    " << d.subject_key_id << "\n";
    if (d.key_storage == "file" || d.key_storage == "pkcs11") {
      std::cout << "  Private key:       " << (d.key_storage == "file" ? "file " : "")
                << d.key_location << "\n";
    } else if (d.key_storage == "unknown") {
      std::cout << "  Private key:       unknown: no key file; if it is in a PKCS#11 token, "
                   "give --config with its [ca] key\n";
    }
    sep = "\n";
  }
  return 0;
}

}  // namespace signet::server::commands
