#pragma once
// ASCII-only text helpers (DNS names, URL schemes, CAA tags, hex): locale-independent.
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

// Bytes as lower-case hex digits, two per byte (how Signet spells serials and hashes).
inline std::string hex_lower(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

}  // namespace signet::core
