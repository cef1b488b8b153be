#pragma once
// Object statuses of RFC 8555 §7.1.6 and challenge types. Value types.
#include <optional>
#include <string_view>

namespace signet::core {

enum class AccountStatus { Valid, Deactivated, Revoked };
enum class OrderStatus { Pending, Ready, Processing, Valid, Invalid };
enum class AuthzStatus { Pending, Valid, Invalid, Deactivated, Expired, Revoked };
enum class ChallengeStatus { Pending, Processing, Valid, Invalid };
enum class ChallengeType { Http01, Dns01, TlsAlpn01 };
// How one vantage point ended a multi-perspective validation.
enum class PerspectiveVerdict { Valid, Invalid, TimedOut, NotAwaited };
// What a certificate is now: revoked (whether or not it has expired since), else
// expired once its notAfter has passed, else valid.
enum class CertificateStatus { Valid, Revoked, Expired };

std::string_view to_string(AccountStatus s);
std::string_view to_string(OrderStatus s);
std::string_view to_string(AuthzStatus s);
std::string_view to_string(ChallengeStatus s);
std::string_view to_string(ChallengeType t);
std::string_view to_string(PerspectiveVerdict v);
std::string_view to_string(CertificateStatus s);

std::optional<AccountStatus> account_status_from_string(std::string_view s);
std::optional<OrderStatus> order_status_from_string(std::string_view s);
std::optional<AuthzStatus> authz_status_from_string(std::string_view s);
std::optional<ChallengeStatus> challenge_status_from_string(std::string_view s);
std::optional<ChallengeType> challenge_type_from_string(std::string_view s);
std::optional<PerspectiveVerdict> perspective_verdict_from_string(std::string_view s);
std::optional<CertificateStatus> certificate_status_from_string(std::string_view s);

}  // namespace signet::core
