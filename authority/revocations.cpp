// Revocations: reasons, the one recording path, the operator's bulk revocation.
#include "authority/revocations.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "authority/audit.hpp"
#include "core/log.hpp"

namespace signet::authority {

using core::ProblemType;

namespace {

// RFC 5280 §5.3.1 CRLReason, by value.
constexpr std::array<std::string_view, 11> kReasonNames = {
    "unspecified",   "keyCompromise",        "cACompromise",    "affiliationChanged",
    "superseded",    "cessationOfOperation", "certificateHold", "",
    "removeFromCRL", "privilegeWithdrawn",   "aACompromise"};

}  // namespace

core::Status check_reason(int reason, std::span<const int> allowed) {
  if (std::find(allowed.begin(), allowed.end(), reason) != allowed.end()) return {};
  std::string list;
  for (std::size_t i = 0; i < allowed.size(); ++i) {
    list += (i == 0 ? "" : i + 1 == allowed.size() ? " or " : ", ") + std::to_string(allowed[i]);
  }
  return core::make_error(ProblemType::BadRevocationReason,
                          "Revocation reason " + std::to_string(reason) + " is not allowed; use " +
                              list + " (RFC 5280 §5.3.1)");
}

std::optional<int> reason_from_text(std::string_view text) {
  for (std::size_t i = 0; i < kReasonNames.size(); ++i) {
    if (!kReasonNames[i].empty() && text == kReasonNames[i]) return static_cast<int>(i);
  }
  int n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return n;
}

std::string reason_name(int reason) {
  if (reason >= 0 && static_cast<std::size_t>(reason) < kReasonNames.size() &&
      !kReasonNames[static_cast<std::size_t>(reason)].empty())
    return std::string(kReasonNames[static_cast<std::size_t>(reason)]);
  return std::to_string(reason);
}

Revocations::Async<bool> Revocations::record(std::string serial, int reason, std::string by) {
  const auto now = clock_.now();
  auto r = co_await store_.revoke_certificate(
      serial, reason, now,
      audit::certificate_revoked(now, serial, reason, reason_name(reason), by));
  if (!r) co_return std::move(r).error();
  if (*r) {
    core::log_info("certificate revoked: serial " + serial + " reason " + std::to_string(reason) +
                   " (" + reason_name(reason) + ") by " + by);
  }
  co_return *r;
}

Revocations::Async<std::vector<Revoked>> Revocations::revoke(const OperatorRevocation& r) {
  if (auto st = check_reason(r.reason, kOperatorReasons); !st) co_return std::move(st).error();
  const auto& which = r.which;
  auto selected = co_await select_certificates(store_, which, clock_.now());
  if (!selected) co_return std::move(selected).error();
  std::vector<core::Certificate> certs = std::move(selected).value();
  if (which.serial && certs.front().revoked_at) {
    co_return core::make_error(ProblemType::AlreadyRevoked,
                               "Certificate " + *which.serial + " is already revoked (reason " +
                                   reason_name(certs.front().revocation_reason.value_or(0)) + ")");
  }
  std::vector<Revoked> out;
  for (auto& c : certs) {
    auto newly = co_await record(c.serial, r.reason, audit::operator_actor());
    if (!newly) co_return std::move(newly).error();
    if (which.serial && !*newly) {
      co_return core::make_error(ProblemType::AlreadyRevoked,
                                 "Certificate " + c.serial + " is already revoked");
    }
    // As stored now: this revocation's time and reason, or the earlier one's.
    auto again = co_await store_.certificate_by_serial(c.serial);
    if (!again) co_return std::move(again).error();
    if (again->has_value()) c = std::move(**again);
    out.push_back({std::move(c), *newly});
  }
  co_return out;
}

}  // namespace signet::authority
