#include "core/identifier.hpp"

namespace signet::core {

std::string_view to_string(IdentifierType type) {
  return type == IdentifierType::Dns ? "dns" : "ip";
}

std::optional<IdentifierType> identifier_type_from_string(std::string_view s) {
  if (s == "dns") return IdentifierType::Dns;
  if (s == "ip") return IdentifierType::Ip;
  return std::nullopt;
}

}  // namespace signet::core
