#pragma once
// Account contact URLs (RFC 8555 §7.3): mailto: addresses only, checked for shape.
#include <string>
#include <vector>

#include "core/result.hpp"

namespace signet::policy {

inline constexpr std::size_t kMaxContacts = 10;

// `unsupportedContact` for other schemes, `invalidContact` for a malformed address
// (or more than kMaxContacts, or hfields such as ?subject=).
core::Status check_contacts(const std::vector<std::string>& contacts);

}  // namespace signet::policy
