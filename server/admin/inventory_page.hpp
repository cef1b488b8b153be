#pragma once
// The certificate inventory pages of the admin listener, rendered on the server as
// self-contained HTML (inline CSS and SVG; no script, nothing loaded from elsewhere):
// the list with its filter form, counts by status and a chart of issuance and expiry
// per day; one certificate's details; a page saying what went wrong. Every text that
// comes from outside (names, ids, profiles, the query) is escaped. Links are relative,
// so the pages work behind a proxy that serves them under a path. Pure functions.
#include <cstddef>
#include <string>
#include <string_view>

#include "authority/inventory.hpp"
#include "server/admin/inventory_query.hpp"
#include "server/html.hpp"

namespace signet::server::admin {

inline constexpr std::size_t kInventoryRows = 200;  // listed at most, soonest expiry first
inline constexpr int kDefaultWindowDays = 30;       // "expiring" counts without a filter
inline constexpr std::size_t kChartDays = 30;       // of issuance back, of expiry ahead

using server::html_escape;

struct InventoryView {
  InventoryQuery query;                           // without an error
  authority::Listing<core::Certificate> listing;  // at most row_limit
  std::size_t row_limit = kInventoryRows;
  // Over every certificate; counts.expiring within the window the page names.
  authority::CertificateOverview overview;
};

// GET /: counts, chart, the form with the query's fields, and the listing.
std::string render_inventory(const InventoryView& v);
// GET /certificates/<serial>: what `signet cert show` shows, as a page.
std::string render_certificate(const core::Certificate& c, core::TimePoint now);
// A page saying what went wrong, linking to the inventory at `home` (relative: "./" from
// "/", "../" from "/certificates/x"); with a query, the form with its fields to correct
// (then `home` must be "./").
std::string render_problem(std::string_view title, std::string_view detail, std::string_view home,
                           const InventoryQuery* query = nullptr);
// An inline SVG element: issued per day over the overview's past days, then unrevoked
// certificates expiring per day over the days ahead, with axes and a legend.
std::string render_chart(const authority::CertificateOverview& o);

}  // namespace signet::server::admin
