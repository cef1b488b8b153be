#pragma once
// What one validation attempt saw from one vantage point (RFC 8555 §8). Value type,
// shared by validation (which produces it) and storage (which keeps it).
#include <string>
#include <vector>

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

}  // namespace signet::core
