// `signet audit verify|export`: the audit log of a data directory, checked or written
// out as JSON lines, beside a running server.
#include <fstream>
#include <iostream>

#include "authority/audit_trail.hpp"
#include "core/async.hpp"
#include "server/commands/admin.hpp"
#include "server/commands/commands.hpp"
#include "server/commands/common.hpp"
#include "server/json/admin.hpp"

namespace signet::server::commands {

int audit_verify(const AdminArgs& a) {
  core::Result<authority::AuditVerification> v = core::internal_error("unset");
  if (a.file) {
    v = authority::verify_audit_file(*a.file);
  } else {
    auto store = open_database(a);
    if (!store) return fail(store.error().detail);
    v = core::await_blocking(authority::verify_audit_log(**store));
  }
  if (!v) return fail(v.error().detail);
  if (a.json) {
    std::cout << json::encode_audit_verification(*v) << "\n";
  } else if (v->broken) {
    std::cout << "The audit log is broken after " << v->entries << " good entries: "
              << *v->broken << "\n";
  } else {
    std::cout << "The audit log is intact: " << v->entries << " entries.\n"
              << "Head: entry " << v->head_seq << ", SHA-256 " << v->head_hash << "\n"
              << "(Note the head down: a later verification that ends before it shows entries "
                 "removed from the end.)\n";
  }
  return v->broken ? kExitError : 0;
}

int audit_export(const AdminArgs& a) {
  auto store = open_database(a);
  if (!store) return fail(store.error().detail);
  std::ofstream file;
  if (a.out) {
    file.open(*a.out, std::ios::out | std::ios::trunc);
    if (!file) return fail("cannot write " + *a.out);
  }
  std::ostream& out = a.out ? file : std::cout;
  auto last = core::await_blocking(authority::export_audit_log(
      **store, a.after, [&](const std::string& line) { out << line << '\n'; }));
  out.flush();
  if (!last) return fail(last.error().detail);
  if (!out) return fail("writing the export failed");
  return 0;
}

}  // namespace signet::server::commands
