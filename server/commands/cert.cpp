// `signet cert ...`: administering issued certificates from the data directory, beside
// a running server (SQLite in WAL mode serves both processes). Everything goes through
// the authority, as the ACME front end does.
#include <algorithm>
#include <iostream>

#include "authority/inventory.hpp"
#include "authority/renewals.hpp"
#include "authority/revocations.hpp"
#include "core/ascii.hpp"
#include "core/async.hpp"
#include "server/commands/admin.hpp"
#include "server/commands/commands.hpp"
#include "server/commands/common.hpp"
#include "server/json/admin.hpp"
#include "server/json/encode.hpp"

namespace signet::server::commands {

namespace {

// One of a serial, an account or a name, as --serial, --account and --name give it;
// what is selected, for messages. kExitUsage when the serial is malformed.
struct Selection {
  std::optional<std::string> serial;
  std::optional<core::AccountId> account;
  std::optional<core::Identifier> name;
  std::string what;
};

core::Result<Selection> selection(const std::optional<std::string>& serial,
                                  const std::optional<std::string>& account,
                                  const std::optional<std::string>& name) {
  Selection s;
  if (serial) {
    auto parsed = parse_serial(*serial);
    if (!parsed) return std::move(parsed).error();
    s.serial = *parsed;
    s.what = "serial " + *parsed;
  } else if (account) {
    s.account = account_id_of(*account);
    s.what = "account " + s.account->value;
  } else if (name) {
    s.name = identifier_of(*name);
    s.what = "name " + s.name->value;
  } else {
    return core::make_error(core::ProblemType::Malformed,
                            "give one of --serial, --account, --name");
  }
  return s;
}

std::string status_text(const core::Certificate& c, core::TimePoint now) {
  const auto s = authority::certificate_status(c, now);
  if (s != core::CertificateStatus::Revoked) return std::string(to_string(s));
  return "revoked (" + authority::reason_name(c.revocation_reason.value_or(0)) + ")";
}

}  // namespace

int cert_renew_early(const RenewEarlyOptions& o) {
  auto sel = selection(o.serial, o.account, o.name);
  if (!sel) return usage("signet cert renew-early: " + sel.error().detail);
  auto store = open_database(std::nullopt, o.data_dir, o.database);
  if (!store) return fail(store.error().detail);
  core::SystemClock clock;
  authority::Renewals renewals(**store, clock);
  auto marked = core::await_blocking(renewals.renew_early({sel->serial, sel->account, sel->name}));
  if (!marked) return fail(marked.error().detail);

  if (o.json) {
    std::cout << json::encode_early_renewals(*marked) << "\n";
    return 0;
  }
  if (marked->empty()) {
    std::cout << "No current (unexpired, unrevoked) certificate for " << sel->what
              << ": nothing marked\n";
    return 0;
  }
  const auto fresh = std::count_if(marked->begin(), marked->end(),
                                   [](const authority::EarlyRenewal& e) { return e.newly_marked; });
  std::cout << "Marked " << fresh << " of " << marked->size() << " certificate"
            << (marked->size() == 1 ? "" : "s") << " for " << sel->what
            << " for early renewal; ARI clients renew them at their next check:\n";
  for (const auto& e : *marked) {
    const auto& c = e.certificate;
    std::cout << "  " << c.serial << "  " << joined_names(c.identifiers) << "  (account "
              << c.account_id.value << ", expires " << json::format_rfc3339(c.not_after) << ")"
              << (e.newly_marked ? "" : "  already marked") << "\n";
  }
  return 0;
}

int cert_revoke(const AdminArgs& a) {
  auto sel = selection(a.serial, a.account, a.name);
  if (!sel) return usage("signet cert revoke: " + sel.error().detail);
  authority::OperatorRevocation r{{sel->serial, sel->account, sel->name}, 0};
  if (a.reason) {
    auto reason = authority::reason_from_text(*a.reason);
    if (!reason) return usage("signet cert revoke: --reason takes a number or an RFC 5280 name");
    r.reason = *reason;
    if (auto st = authority::check_reason(r.reason, authority::kOperatorReasons); !st)
      return usage("signet cert revoke: " + st.error().detail);
  }
  auto store = open_database(a);
  if (!store) return fail(store.error().detail);
  core::SystemClock clock;
  authority::Revocations revocations(**store, clock);
  auto revoked = core::await_blocking(revocations.revoke(r));
  if (!revoked) return fail(revoked.error().detail);
  if (a.json) {
    std::cout << json::encode_revoked(*revoked, clock.now()) << "\n";
    return 0;
  }
  if (revoked->empty()) {
    std::cout << "No valid (unexpired, unrevoked) certificate for " << sel->what
              << ": nothing revoked\n";
    return 0;
  }
  const auto fresh = std::count_if(revoked->begin(), revoked->end(),
                                   [](const authority::Revoked& x) { return x.newly_revoked; });
  std::cout << "Revoked " << fresh << " of " << revoked->size() << " certificate"
            << (revoked->size() == 1 ? "" : "s") << " for " << sel->what << " (reason "
            << authority::reason_name(r.reason)
            << "); a running server lists them on their CRLs within seconds:\n";
  for (const auto& x : *revoked) {
    const auto& c = x.certificate;
    std::cout << "  " << c.serial << "  " << joined_names(c.identifiers) << "  (account "
              << c.account_id.value << ")"
              << (x.newly_revoked ? "" : "  already revoked, " + status_text(c, clock.now()))
              << "\n";
  }
  return 0;
}

int cert_list(const AdminArgs& a) {
  authority::CertificateFilter f;
  if (a.account) f.account = account_id_of(*a.account);
  if (a.name) f.name = identifier_of(*a.name);
  if (a.expiring_within) {
    auto d = parse_duration(*a.expiring_within);
    if (!d) return usage("signet cert list: --expiring-within: " + d.error().detail);
    f.expiring_within = *d;
  }
  if (a.status) {
    f.status = core::certificate_status_from_string(*a.status);
    if (!f.status) return usage("signet cert list: --status takes valid, revoked or expired");
  }
  f.limit = a.limit;
  auto store = open_database(a);
  if (!store) return fail(store.error().detail);
  core::SystemClock clock;
  authority::Inventory inventory(**store, clock);
  auto listed = core::await_blocking(inventory.certificates(f));
  if (!listed) return fail(listed.error().detail);
  const auto now = clock.now();
  if (a.json) {
    std::cout << json::encode_admin_certificates(*listed, now) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows{{"SERIAL", "NAMES", "PROFILE", "STATUS", "NOT AFTER"}};
  for (const auto& c : listed->items) {
    rows.push_back({c.serial, joined_names(c.identifiers), c.profile, status_text(c, now),
                    json::format_rfc3339(c.not_after)});
  }
  if (listed->items.empty()) {
    std::cout << "No certificates match.\n";
  } else {
    print_table(rows);
  }
  if (listed->truncated) {
    std::cerr << "signet: more certificates match than the " << a.limit
              << " shown (soonest expiry first); narrow the filters or raise --limit\n";
  }
  return 0;
}

int cert_show(const AdminArgs& a) {
  auto serial = parse_serial(a.target);
  if (!serial) return usage("signet cert show: " + serial.error().detail);
  auto store = open_database(a);
  if (!store) return fail(store.error().detail);
  core::SystemClock clock;
  authority::Inventory inventory(**store, clock);
  auto c = core::await_blocking(inventory.certificate(*serial));
  if (!c) return fail(c.error().detail);
  const auto now = clock.now();
  if (a.json) {
    std::cout << json::encode_admin_certificate(*c, now, true) << "\n";
    return 0;
  }
  const auto time_or = [](const std::optional<core::TimePoint>& t, const char* none) {
    return t ? json::format_rfc3339(*t) : std::string(none);
  };
  std::cout << "Serial:          " << c->serial << "\n"
            << "Status:          " << status_text(*c, now) << "\n"
            << "Names:           " << joined_names(c->identifiers) << "\n"
            << "Profile:         " << (c->profile.empty() ? "(none recorded)" : c->profile) << "\n"
            << "Account:         " << c->account_id.value << "\n"
            << "Order:           " << c->order_id.value << "\n"
            << "Not before:      " << json::format_rfc3339(c->not_before) << "\n"
            << "Not after:       " << json::format_rfc3339(c->not_after) << "\n"
            << "Issued:          " << json::format_rfc3339(c->issued_at) << "\n"
            << "Revoked:         " << time_or(c->revoked_at, "no") << "\n"
            << "Renew early:     " << time_or(c->renew_early_at, "not asked") << "\n"
            << "Key (SPKI SHA-256): " << core::hex_lower(c->key_spki_sha256) << "\n";
  if (auto id = authority::cert_id_of(c->der)) std::cout << "ARI certID:      " << *id << "\n";
  std::cout << authority::leaf_pem(*c);
  return 0;
}

}  // namespace signet::server::commands
