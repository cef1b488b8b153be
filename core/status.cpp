#include "core/status.hpp"

#include <array>
#include <utility>

namespace signet::core {
namespace {

template <class E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E e) {
  for (const auto& [v, n] : table) {
    if (v == e) return n;
  }
  return "unknown";
}

template <class E, std::size_t N>
std::optional<E> value_of(const std::array<std::pair<E, std::string_view>, N>& table,
                          std::string_view s) {
  for (const auto& [v, n] : table) {
    if (n == s) return v;
  }
  return std::nullopt;
}

using AS = AccountStatus;
using OS = OrderStatus;
using ZS = AuthzStatus;
using CS = ChallengeStatus;
using CT = ChallengeType;
using PV = PerspectiveVerdict;
using CeS = CertificateStatus;

constexpr std::array<std::pair<AS, std::string_view>, 3> kAccount{
    {{AS::Valid, "valid"}, {AS::Deactivated, "deactivated"}, {AS::Revoked, "revoked"}}};
constexpr std::array<std::pair<OS, std::string_view>, 5> kOrder{{{OS::Pending, "pending"},
                                                                 {OS::Ready, "ready"},
                                                                 {OS::Processing, "processing"},
                                                                 {OS::Valid, "valid"},
                                                                 {OS::Invalid, "invalid"}}};
constexpr std::array<std::pair<ZS, std::string_view>, 6> kAuthz{{{ZS::Pending, "pending"},
                                                                 {ZS::Valid, "valid"},
                                                                 {ZS::Invalid, "invalid"},
                                                                 {ZS::Deactivated, "deactivated"},
                                                                 {ZS::Expired, "expired"},
                                                                 {ZS::Revoked, "revoked"}}};
constexpr std::array<std::pair<CS, std::string_view>, 4> kChallenge{{{CS::Pending, "pending"},
                                                                     {CS::Processing, "processing"},
                                                                     {CS::Valid, "valid"},
                                                                     {CS::Invalid, "invalid"}}};
constexpr std::array<std::pair<CT, std::string_view>, 3> kChallengeType{
    {{CT::Http01, "http-01"}, {CT::Dns01, "dns-01"}, {CT::TlsAlpn01, "tls-alpn-01"}}};
constexpr std::array<std::pair<PV, std::string_view>, 4> kVerdict{{{PV::Valid, "valid"},
                                                                   {PV::Invalid, "invalid"},
                                                                   {PV::TimedOut, "timedOut"},
                                                                   {PV::NotAwaited, "notAwaited"}}};
constexpr std::array<std::pair<CeS, std::string_view>, 3> kCertificate{
    {{CeS::Valid, "valid"}, {CeS::Revoked, "revoked"}, {CeS::Expired, "expired"}}};

}  // namespace

std::string_view to_string(AccountStatus s) {
  return name_of(kAccount, s);
}
std::string_view to_string(OrderStatus s) {
  return name_of(kOrder, s);
}
std::string_view to_string(AuthzStatus s) {
  return name_of(kAuthz, s);
}
std::string_view to_string(ChallengeStatus s) {
  return name_of(kChallenge, s);
}
std::string_view to_string(ChallengeType t) {
  return name_of(kChallengeType, t);
}

std::string_view to_string(PerspectiveVerdict v) {
  return name_of(kVerdict, v);
}
std::string_view to_string(CertificateStatus s) {
  return name_of(kCertificate, s);
}

std::optional<AccountStatus> account_status_from_string(std::string_view s) {
  return value_of(kAccount, s);
}
std::optional<OrderStatus> order_status_from_string(std::string_view s) {
  return value_of(kOrder, s);
}
std::optional<AuthzStatus> authz_status_from_string(std::string_view s) {
  return value_of(kAuthz, s);
}
std::optional<ChallengeStatus> challenge_status_from_string(std::string_view s) {
  return value_of(kChallenge, s);
}
std::optional<ChallengeType> challenge_type_from_string(std::string_view s) {
  return value_of(kChallengeType, s);
}
std::optional<PerspectiveVerdict> perspective_verdict_from_string(std::string_view s) {
  return value_of(kVerdict, s);
}

std::optional<CertificateStatus> certificate_status_from_string(std::string_view s) {
  return value_of(kCertificate, s);
}

}  // namespace signet::core
