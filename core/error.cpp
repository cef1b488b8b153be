#include "core/error.hpp"

#include <array>
#include <utility>

namespace signet::core {
namespace {
struct Name {
  ProblemType type;
  std::string_view name;
};
constexpr std::array kNames{
    Name{ProblemType::AccountDoesNotExist, "accountDoesNotExist"},
    Name{ProblemType::AlreadyRevoked, "alreadyRevoked"},
    Name{ProblemType::AlreadyReplaced, "alreadyReplaced"},
    Name{ProblemType::BadCsr, "badCSR"},
    Name{ProblemType::BadNonce, "badNonce"},
    Name{ProblemType::BadPublicKey, "badPublicKey"},
    Name{ProblemType::BadRevocationReason, "badRevocationReason"},
    Name{ProblemType::BadSignatureAlgorithm, "badSignatureAlgorithm"},
    Name{ProblemType::Caa, "caa"},
    Name{ProblemType::Compound, "compound"},
    Name{ProblemType::Connection, "connection"},
    Name{ProblemType::Dns, "dns"},
    Name{ProblemType::ExternalAccountRequired, "externalAccountRequired"},
    Name{ProblemType::IncorrectResponse, "incorrectResponse"},
    Name{ProblemType::InvalidContact, "invalidContact"},
    Name{ProblemType::InvalidProfile, "invalidProfile"},
    Name{ProblemType::Malformed, "malformed"},
    Name{ProblemType::OrderNotReady, "orderNotReady"},
    Name{ProblemType::RateLimited, "rateLimited"},
    Name{ProblemType::RejectedIdentifier, "rejectedIdentifier"},
    Name{ProblemType::ServerInternal, "serverInternal"},
    Name{ProblemType::Tls, "tls"},
    Name{ProblemType::Unauthorized, "unauthorized"},
    Name{ProblemType::DeactivatedAccount,
         "unauthorized"},  // after Unauthorized: names map back to it
    Name{ProblemType::UnsupportedContact, "unsupportedContact"},
    Name{ProblemType::UnsupportedIdentifier, "unsupportedIdentifier"},
    Name{ProblemType::UserActionRequired, "userActionRequired"},
};
}  // namespace

std::string_view problem_type_name(ProblemType type) {
  for (const auto& n : kNames) {
    if (n.type == type) return n.name;
  }
  // The HTTP-level kinds are all reported as malformed requests.
  return "malformed";
}

std::optional<ProblemType> problem_type_from_name(std::string_view name) {
  for (const auto& n : kNames) {
    if (n.name == name) return n.type;
  }
  return std::nullopt;
}

Error make_error(ProblemType type, std::string detail) {
  return Error{type, std::move(detail), {}, std::nullopt};
}

Error internal_error(std::string log_detail) {
  return Error{ProblemType::ServerInternal, std::move(log_detail), {}, std::nullopt};
}

}  // namespace signet::core
