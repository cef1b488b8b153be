// `signet eab`: the operator's side of external account binding (RFC 8555 §7.3.4):
// create a key and hand its id and HMAC key to a client; list, show and revoke keys.
#include <iostream>

#include "authority/external_accounts.hpp"
#include "core/async.hpp"
#include "core/base64url.hpp"
#include "server/commands/admin.hpp"
#include "server/commands/common.hpp"
#include "server/json/eab.hpp"
#include "server/json/encode.hpp"

namespace signet::server::commands {

namespace {

std::string joined(const std::vector<std::string>& v, const std::string& none) {
  if (v.empty()) return none;
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

void print_key(const core::EabKey& k, const std::vector<core::AccountId>* bound) {
  std::cout << "Key ID (kid):          " << k.kid << "\n";
  if (!k.note.empty()) std::cout << "Note:                  " << k.note << "\n";
  std::cout << "Status:                "
            << (k.revoked_at ? "revoked " + json::format_rfc3339(*k.revoked_at) : "in force")
            << "\n"
            << "Created:               " << json::format_rfc3339(k.created_at) << "\n"
            << "Allowed domains:       "
            << joined(k.allowed_domains, "any the server's policy allows") << "\n"
            << "Prevalidated domains:  " << joined(k.prevalidated_domains, "none") << "\n"
            << "Profiles:              " << joined(k.profiles, "any") << "\n"
            << "Maximum validity:      "
            << (k.max_validity ? std::to_string(k.max_validity->count() / 86400) + " days"
                               : "the server's")
            << "\n"
            << "Binds:                 " << (k.reusable ? "any number of accounts" : "one account")
            << "\n"
            << "Accounts bound:        " << k.accounts << "\n";
  if (bound) {
    for (const auto& a : *bound) std::cout << "  " << a.value << "\n";
  }
}

int create(authority::ExternalAccounts& eab, const EabArgs& a) {
  authority::NewEabKey n;
  if (!a.kid.empty()) n.kid = a.kid;
  n.note = a.note;
  n.allowed_domains = a.allowed_domains;
  n.prevalidated_domains = a.prevalidated_domains;
  n.profiles = a.profiles;
  if (a.max_validity_days) n.max_validity = std::chrono::hours(24 * *a.max_validity_days);
  n.reusable = a.reusable;
  auto k = core::await_blocking(eab.create(std::move(n)));
  if (!k) return fail(k.error().detail);
  if (a.json) {
    std::cout << json::encode_eab_key(*k, true) << "\n";
    return 0;
  }
  const std::string hmac = core::base64url_encode(k->hmac_key);
  std::cout << "External account key created. The HMAC key is shown only now: hand it to the\n"
               "client over a safe channel.\n\n"
            << "HMAC key:              " << hmac << "\n";
  print_key(*k, nullptr);
  std::cout << "\ncertbot: --eab-kid " << k->kid << " --eab-hmac-key " << hmac << "\n"
            << "lego:    --eab --kid " << k->kid << " --hmac " << hmac << "\n";
  return 0;
}

int list(authority::ExternalAccounts& eab, const EabArgs& a) {
  auto keys = core::await_blocking(eab.list());
  if (!keys) return fail(keys.error().detail);
  if (a.json) {
    std::cout << json::encode_eab_keys(*keys) << "\n";
    return 0;
  }
  if (keys->empty()) {
    std::cout << "No external account keys.\n";
    return 0;
  }
  for (const auto& k : *keys) {
    std::cout << k.kid << "  " << (k.revoked_at ? "revoked" : "in force") << "  " << k.accounts
              << (k.reusable ? " accounts (reusable)" : " of 1 account")
              << (k.note.empty() ? "" : "  " + k.note) << "\n";
  }
  return 0;
}

int show(authority::ExternalAccounts& eab, const EabArgs& a) {
  auto k = core::await_blocking(eab.show(a.kid));
  if (!k) return fail(k.error().detail);
  auto bound = core::await_blocking(eab.accounts(a.kid));
  if (!bound) return fail(bound.error().detail);
  if (a.json) {
    std::cout << json::encode_eab_key(*k, false, &*bound) << "\n";
  } else {
    print_key(*k, &*bound);
  }
  return 0;
}

int revoke(authority::ExternalAccounts& eab, const EabArgs& a) {
  auto k = core::await_blocking(eab.revoke(a.kid));
  if (!k) return fail(k.error().detail);
  if (a.json) {
    std::cout << json::encode_eab_key(*k) << "\n";
  } else {
    std::cout << "External account key " << k->kid << " revoked: it binds no new account, and the "
              << k->accounts << " account(s) bound to it can no longer order certificates.\n";
  }
  return 0;
}

}  // namespace

int eab(const std::string& action, const EabArgs& a) {
  // Keys may be made before the server's first start.
  auto store = open_database(a.config_file, a.data_dir, a.database, action == "create");
  if (!store) return fail(store.error().detail);
  core::SystemClock clock;
  authority::ExternalAccounts eab(**store, clock);
  if (action == "create") return create(eab, a);
  if (action == "list") return list(eab, a);
  if (action == "show") return show(eab, a);
  if (action == "revoke") return revoke(eab, a);
  return fail("unknown eab action " + action);
}

}  // namespace signet::server::commands
