#pragma once
// What validation saw from each vantage point (RFC 8555 §8). Value types, shared by
// validation (which produces them) and storage (which keeps them).
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/status.hpp"

namespace signet::core {

struct ValidationRecord {
  std::string perspective = "primary";  // the server itself; remote agents by name
  std::string url;
  std::string hostname;
  std::string port;
  std::vector<std::string> addresses_resolved;
  std::string address_used;
  bool operator==(const ValidationRecord&) const = default;
};

// How one vantage point ended a multi-perspective validation, and why it failed.
struct PerspectiveResult {
  std::string perspective;  // "primary", or a remote agent's name
  PerspectiveVerdict verdict = PerspectiveVerdict::Valid;
  std::optional<Error> problem;  // set for Invalid and TimedOut
};

}  // namespace signet::core
