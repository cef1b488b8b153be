// `signet account list|show|deactivate` and `signet order list`: ACME accounts and
// their orders, through the authority's Inventory, beside a running server.
#include <iostream>

#include "authority/audit.hpp"
#include "authority/inventory.hpp"
#include "core/async.hpp"
#include "server/commands/admin.hpp"
#include "server/commands/commands.hpp"
#include "server/commands/common.hpp"
#include "server/json/admin.hpp"
#include "server/json/encode.hpp"

namespace signet::server::commands {

namespace {

// The Inventory of the data directory the arguments name.
struct Opened {
  std::unique_ptr<storage::Store> store;
  core::SystemClock clock;
  std::unique_ptr<authority::Inventory> inventory;
};

core::Result<std::unique_ptr<Opened>> open(const AdminArgs& a) {
  auto store = open_database(a);
  if (!store) return std::move(store).error();
  auto o = std::make_unique<Opened>();
  o->store = std::move(store).value();
  o->inventory = std::make_unique<authority::Inventory>(*o->store, o->clock);
  return o;
}

std::string contacts(const core::Account& a) {
  std::string out;
  for (const auto& c : a.contact) out += (out.empty() ? "" : ",") + c;
  return out.empty() ? "-" : out;
}

void truncation_note(bool truncated, std::size_t limit, const char* what) {
  if (truncated) {
    std::cerr << "signet: more " << what << " match than the " << limit
              << " shown; narrow the filters or raise --limit\n";
  }
}

}  // namespace

int account_list(const AdminArgs& a) {
  auto o = open(a);
  if (!o) return fail(o.error().detail);
  auto listed = core::await_blocking((*o)->inventory->accounts(a.limit));
  if (!listed) return fail(listed.error().detail);
  if (a.json) {
    std::cout << json::encode_admin_accounts(*listed) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows{{"ID", "STATUS", "CREATED", "EAB KEY", "CONTACT"}};
  for (const auto& acct : listed->items) {
    rows.push_back({acct.id.value, std::string(to_string(acct.status)),
                    json::format_rfc3339(acct.created_at), acct.eab_kid.value_or("-"),
                    contacts(acct)});
  }
  if (listed->items.empty()) {
    std::cout << "No accounts.\n";
  } else {
    print_table(rows);
  }
  truncation_note(listed->truncated, a.limit, "accounts");
  return 0;
}

int account_show(const AdminArgs& a) {
  auto o = open(a);
  if (!o) return fail(o.error().detail);
  const auto id = account_id_of(a.target);
  auto acct = core::await_blocking((*o)->inventory->account(id));
  if (!acct) return fail(acct.error().detail);
  auto certs = core::await_blocking((*o)->inventory->certificates(
      {.account = id, .status = core::CertificateStatus::Valid, .limit = a.limit}));
  if (!certs) return fail(certs.error().detail);
  std::vector<std::string> serials;
  for (const auto& c : certs->items) serials.push_back(c.serial);
  if (a.json) {
    std::cout << json::encode_admin_account(*acct, &serials) << "\n";
    return 0;
  }
  std::cout << "ID:                  " << acct->id.value << "\n"
            << "Status:              " << to_string(acct->status) << "\n"
            << "Created:             " << json::format_rfc3339(acct->created_at) << "\n"
            << "Contact:             " << contacts(*acct) << "\n"
            << "External account key: " << acct->eab_kid.value_or("none") << "\n"
            << "Key thumbprint:      " << acct->jwk_thumbprint << "\n"
            << "Valid certificates:  " << serials.size() << (certs->truncated ? "+" : "") << "\n";
  for (const auto& c : certs->items) {
    std::cout << "  " << c.serial << "  " << joined_names(c.identifiers) << "  (expires "
              << json::format_rfc3339(c.not_after) << ")\n";
  }
  return 0;
}

int account_deactivate(const AdminArgs& a) {
  auto o = open(a);
  if (!o) return fail(o.error().detail);
  const auto id = account_id_of(a.target);
  auto acct = core::await_blocking((*o)->inventory->account(id));
  if (!acct) return fail(acct.error().detail);
  auto changed = core::await_blocking((*o)->inventory->deactivate_account(id, authority::audit::operator_actor()));
  if (!changed) return fail(changed.error().detail);
  if (!*changed) {
    auto now = core::await_blocking((*o)->inventory->account(id));
    return fail("account " + id.value + " is " +
                std::string(to_string(now ? now->status : acct->status)) + " already");
  }
  auto after = core::await_blocking((*o)->inventory->account(id));
  if (!after) return fail(after.error().detail);
  if (a.json) {
    std::cout << json::encode_admin_account(*after) << "\n";
  } else {
    std::cout << "Account " << id.value
              << " deactivated (RFC 8555 §7.3.6): a running server refuses its requests within "
                 "30 seconds. Its certificates stay valid; revoke them with `signet cert revoke "
                 "--account "
              << id.value << "`.\n";
  }
  return 0;
}

int order_list(const AdminArgs& a) {
  authority::OrderFilter f;
  if (a.account) f.account = account_id_of(*a.account);
  if (a.status) {
    f.status = core::order_status_from_string(*a.status);
    if (!f.status)
      return usage(
          "signet order list: --status takes pending, ready, processing, valid or invalid");
  }
  f.limit = a.limit;
  auto o = open(a);
  if (!o) return fail(o.error().detail);
  auto listed = core::await_blocking((*o)->inventory->orders(f));
  if (!listed) return fail(listed.error().detail);
  if (a.json) {
    std::cout << json::encode_admin_orders(*listed) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows{
      {"ID", "ACCOUNT", "STATUS", "NAMES", "PROFILE", "CREATED", "CERTIFICATE"}};
  for (const auto& ord : listed->items) {
    rows.push_back({ord.id.value, ord.account_id.value, std::string(to_string(ord.status)),
                    joined_names(ord.identifiers), ord.profile.empty() ? "-" : ord.profile,
                    json::format_rfc3339(ord.created_at), ord.certificate_serial.value_or("-")});
  }
  if (listed->items.empty()) {
    std::cout << "No orders match.\n";
  } else {
    print_table(rows);
  }
  truncation_note(listed->truncated, a.limit, "orders");
  return 0;
}

}  // namespace signet::server::commands
