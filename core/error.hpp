#pragma once
// The one error type that crosses module boundaries. Its kind is an ACME problem
// type (RFC 8555 §6.7) or one of a few HTTP-level kinds; server/problem maps it to
// application/problem+json. Value type, no I/O.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/identifier.hpp"

namespace signet::core {

enum class ProblemType {
  // RFC 8555 §6.7
  AccountDoesNotExist,
  AlreadyRevoked,
  AlreadyReplaced,  // RFC 9773 §7.4, status 409
  BadCsr,
  BadNonce,
  BadPublicKey,
  BadRevocationReason,
  BadSignatureAlgorithm,
  Caa,
  Compound,
  Connection,
  Dns,
  ExternalAccountRequired,
  IncorrectResponse,
  InvalidContact,
  // draft-ietf-acme-profiles
  InvalidProfile,
  Malformed,
  OrderNotReady,
  RateLimited,
  RejectedIdentifier,
  ServerInternal,
  Tls,
  Unauthorized,
  UnsupportedContact,
  UnsupportedIdentifier,
  UserActionRequired,
  // HTTP-level conditions, reported with the "malformed" type and their own status.
  NotFound,
  MethodNotAllowed,
  PayloadTooLarge,
  UnsupportedMediaType,
  Conflict,
  // "unauthorized" with status 401: a request from a deactivated account (RFC 8555 §7.3.6).
  DeactivatedAccount,
};

// The "urn:ietf:params:acme:error:<name>" suffix for a problem type.
std::string_view problem_type_name(ProblemType type);
// The inverse of problem_type_name for the RFC 8555 types; nullopt for unknown names.
std::optional<ProblemType> problem_type_from_name(std::string_view name);

struct Subproblem {
  ProblemType type;
  std::string detail;
  std::optional<Identifier> identifier;
  bool operator==(const Subproblem&) const = default;
};

struct Error {
  ProblemType type = ProblemType::ServerInternal;
  std::string detail;
  std::vector<Subproblem> subproblems;
  std::optional<std::chrono::seconds> retry_after;

  bool operator==(const Error&) const = default;
};

Error make_error(ProblemType type, std::string detail);
// An internal failure: the detail is for the log only; clients see a generic text.
Error internal_error(std::string log_detail);

}  // namespace signet::core
