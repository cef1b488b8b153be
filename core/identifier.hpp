#pragma once
// ACME identifiers (RFC 8555 §7.1.4, RFC 8738). Value type.
#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace signet::core {

enum class IdentifierType { Dns, Ip };

std::string_view to_string(IdentifierType type);
std::optional<IdentifierType> identifier_type_from_string(std::string_view s);

struct Identifier {
  IdentifierType type = IdentifierType::Dns;
  std::string value;

  bool is_wildcard() const { return type == IdentifierType::Dns && value.starts_with("*."); }
  // The name without a leading "*." (what is validated for a wildcard).
  std::string base_name() const { return is_wildcard() ? value.substr(2) : value; }

  auto operator<=>(const Identifier&) const = default;
};

}  // namespace signet::core
