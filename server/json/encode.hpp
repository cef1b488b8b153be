#pragma once
// The JSON of every ACME resource, built in one place each (RFC 8555 §7.1).
#include <string>
#include <vector>

#include "core/error.hpp"
#include "server/urls.hpp"
#include "storage/records.hpp"

namespace signet::server::json {

struct DirectoryMeta {
  std::string terms_of_service;
  std::string website;
  std::vector<std::string> caa_identities;
  bool external_account_required = false;
};

std::string encode_directory(const Urls& urls, const DirectoryMeta& meta);
std::string encode_account(const Urls& urls, const storage::Account& a);
// The order with the status to show (see server/state).
std::string encode_order(const Urls& urls, const storage::Order& o);
std::string encode_authorization(const Urls& urls, const storage::Authorization& a);
std::string encode_challenge(const Urls& urls, const core::AuthzId& authz,
                             const storage::Challenge& c);
std::string encode_orders_list(const Urls& urls, const std::vector<core::OrderId>& orders);
// application/problem+json (RFC 7807) for an error, with its HTTP status.
std::string encode_problem(const core::Error& e, int status,
                           const std::vector<std::string>& algorithms);

std::string format_rfc3339(core::TimePoint t);

}  // namespace signet::server::json
