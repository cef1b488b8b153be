#pragma once
// The inventory page's query string, as its GET form sends it
// (application/x-www-form-urlencoded): `expiring` (valid and expiring within that many
// days), `name` (authority::CertificateFilter::search) and `status` (valid, expired or
// revoked). Empty fields select any. Pure functions.
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/status.hpp"

namespace signet::server::admin {

inline constexpr int kMaxExpiringDays = 3650;
inline constexpr std::size_t kMaxNameLength = 255;

struct InventoryQuery {
  // The fields as given (decoded), to show in the form again.
  std::string expiring;
  std::string name;
  std::string status;
  // What they select.
  std::optional<int> expiring_days;
  std::optional<std::string> search;  // the name without surrounding blanks, if any
  std::optional<core::CertificateStatus> status_filter;
  // What is wrong with the query, if anything: then the page says so instead of listing.
  std::optional<core::Error> error;
};

// Never fails: a malformed query comes back with `error` (Malformed, saying what to fix)
// and the fields that could be read.
InventoryQuery parse_inventory_query(std::string_view query);

// One form-encoded component: "+" is a space, %XX a byte. nullopt for a bad escape.
std::optional<std::string> form_decode(std::string_view text);

}  // namespace signet::server::admin
