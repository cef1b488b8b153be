#include "server/admin/inventory_query.hpp"

#include <algorithm>
#include <charconv>

namespace signet::server::admin {
namespace {

std::optional<int> hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return std::nullopt;
}

std::string_view trimmed(std::string_view s) {
  constexpr std::string_view kBlanks = " \t\r\n";
  const auto first = s.find_first_not_of(kBlanks);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kBlanks) - first + 1);
}

core::Error malformed(std::string detail) {
  return core::make_error(core::ProblemType::Malformed, std::move(detail));
}

}  // namespace

std::optional<std::string> form_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c != '%') {
      out += c;
    } else {
      if (i + 2 >= text.size()) return std::nullopt;
      const auto hi = hex_digit(text[i + 1]);
      const auto lo = hex_digit(text[i + 2]);
      if (!hi || !lo) return std::nullopt;
      out += static_cast<char>(*hi * 16 + *lo);
      i += 2;
    }
  }
  return out;
}

InventoryQuery parse_inventory_query(std::string_view query) {
  InventoryQuery q;
  bool seen_expiring = false, seen_name = false, seen_status = false;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    const auto key = form_decode(pair.substr(0, eq));
    const auto value =
        form_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (!key || !value) {
      q.error = malformed("the query has a bad %-escape; give %XX with two hex digits");
      return q;
    }
    std::string* field = nullptr;
    bool* seen = nullptr;
    if (*key == "expiring") {
      field = &q.expiring;
      seen = &seen_expiring;
    } else if (*key == "name") {
      field = &q.name;
      seen = &seen_name;
    } else if (*key == "status") {
      field = &q.status;
      seen = &seen_status;
    } else {
      q.error =
          malformed("unknown parameter \"" + *key + "\": the page takes expiring, name and status");
      return q;
    }
    if (*seen) {
      q.error = malformed("parameter \"" + *key + "\" is given twice; give it once");
      return q;
    }
    *seen = true;
    *field = *value;
  }

  if (const auto days = trimmed(q.expiring); !days.empty()) {
    int n = 0;
    const auto [end, ec] = std::from_chars(days.data(), days.data() + days.size(), n);
    if (ec != std::errc{} || end != days.data() + days.size() || n < 1 || n > kMaxExpiringDays) {
      q.error = malformed("expiring within \"" + q.expiring + "\" days: give a whole number of " +
                          "days from 1 to " + std::to_string(kMaxExpiringDays) + ", such as 30");
      return q;
    }
    q.expiring_days = n;
  }
  if (const auto name = trimmed(q.name); !name.empty()) {
    if (name.size() > kMaxNameLength) {
      q.error = malformed("the name is longer than " + std::to_string(kMaxNameLength) +
                          " characters; no certificate names one that long");
      return q;
    }
    q.search = std::string(name);
  }
  if (const auto status = trimmed(q.status); !status.empty() && status != "any") {
    q.status_filter = core::certificate_status_from_string(status);
    if (!q.status_filter) {
      q.error = malformed("status \"" + q.status + "\": give valid, expired or revoked");
      return q;
    }
  }
  return q;
}

}  // namespace signet::server::admin
