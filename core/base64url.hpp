#pragma once
// base64url without padding (RFC 4648 §5, as JOSE uses it: RFC 7515 §2).
#include <optional>
#include <string>
#include <string_view>

namespace signet::core {

std::string base64url_encode(std::string_view bytes);
// Strict: rejects padding, whitespace and characters outside the alphabet, and
// encodings whose unused trailing bits are not zero.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace signet::core
