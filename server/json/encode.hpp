#pragma once
// The JSON of every ACME resource, built in one place each (RFC 8555 §7.1).
#include <string>
#include <vector>

#include "authority/renewals.hpp"
#include "core/error.hpp"
#include "core/records.hpp"
#include "server/urls.hpp"

namespace signet::server::json {

struct DirectoryMeta {
  std::string terms_of_service;
  std::string website;
  std::vector<std::string> caa_identities;
  bool external_account_required = false;
  std::vector<std::pair<std::string, std::string>> profiles{};  // name, description
  // The test CA mode is on: the home page (the website then) says so. Not encoded.
  bool test_ca = false;
};

// The directory (RFC 8555 §7.1.1): each resource's key and URL, then meta.
std::string encode_directory(const std::vector<std::pair<std::string_view, std::string>>& resources,
                             const DirectoryMeta& meta);
// With the externalAccountBinding the account was created with (JSON text), as RFC
// 8555 §7.3.4 asks of the account object returned then.
std::string encode_account(const Urls& urls, const core::Account& a,
                           const std::string* external_account_binding = nullptr);
// The order with the status to show (see authority/state).
std::string encode_order(const Urls& urls, const core::Order& o);
std::string encode_authorization(const Urls& urls, const core::Authorization& a);
std::string encode_challenge(const Urls& urls, const core::AuthzId& authz,
                             const core::Challenge& c);
// RFC 9773 §4.2: {"suggestedWindow": {"start", "end"}}.
std::string encode_renewal_info(const authority::RenewalInfo& info);
// What `signet cert renew-early` marked: serial, certID, account, names, dates.
std::string encode_early_renewals(const std::vector<authority::EarlyRenewal>& marked);
std::string encode_orders_list(const Urls& urls, const std::vector<core::OrderId>& orders);
// application/problem+json (RFC 7807) for an error, with its HTTP status.
std::string encode_problem(const core::Error& e, int status,
                           const std::vector<std::string>& algorithms);

std::string format_rfc3339(core::TimePoint t);

}  // namespace signet::server::json
