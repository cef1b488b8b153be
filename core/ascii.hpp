#pragma once
// ASCII-only text helpers (DNS names, URL schemes, CAA tags): locale-independent.
#include <string>
#include <string_view>

namespace signet::core {

inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace signet::core
