// `signet ca import` and `signet ca rollover`: a new ACME issuer in a data directory.
// The running server keeps the issuer it loaded; the new one signs from its next start.
#include <filesystem>
#include <iostream>

#include "authority/audit.hpp"
#include "ca/hierarchy.hpp"
#include "ca/import.hpp"
#include "ca/previous.hpp"
#include "ca/rollover.hpp"
#include "core/async.hpp"
#include "server/commands/admin.hpp"
#include "server/commands/ca_token.hpp"
#include "server/commands/commands.hpp"
#include "server/commands/common.hpp"
#include "server/json/ca_change.hpp"

namespace signet::server::commands {
namespace fs = std::filesystem;

namespace {

// The change in the audit log, when there is a database: --database, else the --config
// file's [storage], else the data directory's (an import into a directory never served
// has none yet: the change is then only in the archive).
int record(const CaChangeArgs& a, const std::string& dir, const authority::audit::Entry& entry) {
  auto store = open_database(a.config_file, dir, a.database);
  if (!store && store.error().type == core::ProblemType::NotFound) return 0;
  if (!store) return fail("the CA was changed, but " + store.error().detail);
  auto audited = core::await_blocking((*store)->append_audit(entry));
  if (!audited) {
    return fail("the CA was changed, but its audit log entry was not written: " +
                audited.error().detail);
  }
  return 0;
}

// Where the new ACME issuer's key is, and what the configuration's [ca] key must say
// for the server to find it.
struct NewKey {
  std::string location;       // the key file, or the token key's URI
  bool in_token = false;      // [ca] key must name it
  bool was_in_token = false;  // the replaced issuer's key was in a token
  std::string was_uri;        // its URI, when known: the --config file's [ca] key
};

// The replaced issuer's key in a token, named in the archive (ca/previous.hpp) so that
// the server keeps signing its CRLs and OCSP answers; or what the operator must write
// there when its URI is not known. 0, or the exit code.
int name_archived_token_key(const NewKey& key, const fs::path& archive, bool json) {
  if (!key.was_in_token) return 0;
  const fs::path file = ca::archived_key_uri_file(archive);
  if (key.was_uri.empty()) {
    (json ? std::cerr : std::cout)
        << "The replaced issuer's key is in a PKCS#11 token and its URI is not known (no "
           "--config with [ca] key): write it in "
        << file.string()
        << " (one line) for the server to keep publishing that issuer's CRLs and OCSP "
           "answers.\n";
    return 0;
  }
  if (auto st = ca::write_archived_key_uri(archive, key.was_uri); !st) {
    return fail("the CA was changed, but " + file.string() +
                " was not written: " + st.error().detail);
  }
  if (!json) {
    std::cout << "Replaced key:  " << key.was_uri << " (named in " << file.string()
              << ": the server keeps publishing that issuer's CRLs and OCSP answers)\n";
  }
  return 0;
}

int report(const CaChangeArgs& a, const std::string& action, const std::string& issuer,
           const std::string& root, const std::optional<std::string>& cross, const NewKey& key,
           const std::string& archive) {
  if (a.json) {
    std::cout << json::encode_ca_change(action, issuer, root, cross, key.location, archive) << "\n";
    return 0;
  }
  std::cout << "ACME issuer:   " << issuer << "\n"
            << "Under root:    " << root << "\n";
  if (cross) std::cout << "Cross-signed:  by " << *cross << " (the alternate chain)\n";
  std::cout << "Key:           " << (key.in_token ? "" : "file ") << key.location
            << (key.in_token ? " (it never leaves the token)" : "") << "\n"
            << "Archived:      " << archive << " (the replaced files)\n";
  if (key.in_token) {
    std::cout << "Before restarting, set in the server's configuration:\n"
              << "  [ca]\n"
              << "  key = \"" << key.location << "\"\n"
              << "with pkcs11_module and pin_file or pin_env for its token.\n";
  } else if (key.was_in_token) {
    std::cout << "The new key is a file: before restarting, remove [ca] key (and "
                 "pkcs11_module, pin_file, pin_env) from the server's configuration.\n";
  }
  std::cout << "Restart the server to issue under it.\n";
  return 0;
}

// The token holding `uri`, logged in with the module and PIN source given, or the
// --config file's [ca]; 0, or the exit code.
int open_token(const CaChangeArgs& a, const std::string& uri,
               std::unique_ptr<ca::Pkcs11Key>& token) {
  auto options =
      token_key_options({uri, a.module, a.pin_file, a.pin_env, a.data_dir, a.config_file});
  if (!options) return usage(options.error().detail);
  auto logged_in = login_token(options->first);
  if (!logged_in) return fail(logged_in.error().detail);
  token = std::move(logged_in).value();
  return 0;
}

// The ACME issuer's key is in a token now: its certificate is there, its key file not.
bool acme_key_in_token(const std::string& dir) {
  const ca::HierarchyPaths p(dir);
  std::error_code ec;
  return fs::exists(p.acme_cert, ec) && !fs::exists(p.acme_key, ec);
}

// Where the new key is, and where the replaced one was: in a token when the ACME
// issuer has no key file, under the --config file's [ca] key (unless that names the
// new key already).
core::Result<NewKey> keys_of(const CaChangeArgs& a, const std::string& dir,
                             const std::string& token_uri) {
  NewKey key;
  key.location = token_uri.empty() ? ca::HierarchyPaths(dir).acme_key.string() : token_uri;
  key.in_token = !token_uri.empty();
  key.was_in_token = acme_key_in_token(dir);
  if (!key.was_in_token || !a.config_file) return key;
  Overrides o;
  o.config_file = a.config_file;
  auto cfg = load_config(o);
  if (!cfg) return std::move(cfg).error();
  if (cfg->ca_key.starts_with("pkcs11:") && cfg->ca_key != token_uri) key.was_uri = cfg->ca_key;
  return key;
}

}  // namespace

int ca_import(const CaChangeArgs& a) {
  auto dir = data_dir_of(a.config_file, a.data_dir);
  if (!dir) return fail(dir.error().detail);
  // A key in a token: logged in with the module and PIN source given, or the config's.
  std::unique_ptr<ca::Pkcs11Key> token;
  if (a.key.starts_with("pkcs11:")) {
    if (int rc = open_token(a, a.key, token); rc != 0) return rc;
  }
  auto key = keys_of(a, *dir, token ? a.key : std::string());
  if (!key) return fail(key.error().detail);
  const core::SystemClock clock;
  auto done = ca::import_ca(*dir, {a.cert, a.key, a.chain, token.get()}, clock);
  if (!done) return fail(done.error().detail);
  if (int rc = record(a, *dir, authority::audit::ca_imported(
                                clock.now(), done->subject, done->root_subject,
                                done->archive.string(), authority::audit::operator_actor()));
      rc != 0)
    return rc;
  if (int rc = report(a, "import", done->subject, done->root_subject, std::nullopt, *key,
                      done->archive.string());
      rc != 0)
    return rc;
  return name_archived_token_key(*key, done->archive, a.json);
}

int ca_rollover(const CaChangeArgs& a) {
  auto dir = data_dir_of(a.config_file, a.data_dir);
  if (!dir) return fail(dir.error().detail);
  // The new key in a token: made there, with the module and PIN source given, or the
  // config's.
  std::unique_ptr<ca::Pkcs11Key> token;
  if (!a.pkcs11.empty()) {
    if (int rc = open_token(a, a.pkcs11, token); rc != 0) return rc;
  } else if (a.module || a.pin_file || a.pin_env) {
    return usage(
        "--module, --pin-file and --pin-env go with --pkcs11 (the URI of the new key "
        "to make in a token)");
  }
  auto key = keys_of(a, *dir, token ? a.pkcs11 : std::string());
  if (!key) return fail(key.error().detail);
  const core::SystemClock clock;
  auto done = ca::rollover_ca(*dir, a.root, clock, token.get());
  if (!done) return fail(done.error().detail);
  if (int rc = record(a, *dir, authority::audit::ca_rolled_over(
                                clock.now(), done->intermediate_subject, done->root_subject,
                                done->cross_of.value_or(""), done->archive.string(),
                                authority::audit::operator_actor()));
      rc != 0)
    return rc;
  if (int rc = report(a, "rollover", done->intermediate_subject, done->root_subject, done->cross_of,
                      *key, done->archive.string());
      rc != 0)
    return rc;
  return name_archived_token_key(*key, done->archive, a.json);
}

}  // namespace signet::server::commands
