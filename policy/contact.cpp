#include "policy/contact.hpp"

#include <algorithm>

namespace signet::policy {
namespace {

core::Error invalid(const std::string& c, const std::string& why) {
  return core::make_error(core::ProblemType::InvalidContact, "contact \"" + c + "\": " + why);
}

bool atext(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-/=^_`{|}~.").find(c) != std::string_view::npos;
}

}  // namespace

core::Status check_contacts(const std::vector<std::string>& contacts) {
  if (contacts.size() > kMaxContacts) {
    return core::make_error(core::ProblemType::InvalidContact,
                            "at most " + std::to_string(kMaxContacts) + " contacts are allowed");
  }
  for (const auto& c : contacts) {
    if (!c.starts_with("mailto:")) {
      return core::make_error(core::ProblemType::UnsupportedContact,
                              "contact \"" + c + "\": only mailto: contacts are supported");
    }
    const std::string addr = c.substr(7);
    if (addr.size() > 254) return invalid(c, "address too long");
    if (addr.find_first_of("?,") != std::string::npos) {
      return invalid(c, "one address per contact, without header fields");
    }
    const auto at = addr.find('@');
    if (at == std::string::npos || at == 0 || addr.find('@', at + 1) != std::string::npos) {
      return invalid(c, "not an email address");
    }
    const std::string local = addr.substr(0, at), domain = addr.substr(at + 1);
    if (!std::all_of(local.begin(), local.end(), atext) || local.front() == '.' ||
        local.back() == '.') {
      return invalid(c, "unsupported characters in the local part");
    }
    if (domain.size() < 3 || domain.find('.') == std::string::npos || domain.front() == '.' ||
        domain.back() == '.' || domain.find("..") != std::string::npos ||
        !std::all_of(domain.begin(), domain.end(), [](char ch) {
          return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '.';
        })) {
      return invalid(c, "invalid domain");
    }
  }
  return {};
}

}  // namespace signet::policy
