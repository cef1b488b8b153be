#include "server/admin/inventory_page.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "authority/renewals.hpp"
#include "authority/revocations.hpp"
#include "core/ascii.hpp"
#include "server/json/encode.hpp"

namespace signet::server::admin {
namespace {

using core::CertificateStatus;
constexpr auto kDay = std::chrono::hours(24);

// Names shown in a row of the list; the details page has them all.
constexpr std::size_t kNamesPerRow = 3;

constexpr std::string_view kStyle = R"css(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1200px;
padding:16px 24px;color:#1a202c;background:#fff}
h1{font-size:22px;margin:8px 0}h2{font-size:17px;margin:24px 0 8px}
a{color:#2b6cb0}code,pre,.serial{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12px}
.meta{color:#4a5568;margin:0 0 16px}
.counts{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.count{display:block;border:1px solid #cbd5e0;border-radius:6px;padding:8px 14px;min-width:120px;
text-decoration:none;color:inherit}
.count b{display:block;font-size:24px}.count.valid b{color:#276749}.count.expiring b{color:#b7791f}
.count.expired b{color:#4a5568}.count.revoked b{color:#c53030}
figure{margin:16px 0}figcaption{color:#4a5568;font-size:12px}
form{display:flex;flex-wrap:wrap;gap:12px;align-items:center;background:#f7fafc;
border:1px solid #e2e8f0;border-radius:6px;padding:10px 12px;margin:16px 0 4px}
input,select,button{font:inherit}.hint{color:#4a5568;font-size:12px;margin:4px 0 12px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:5px 8px;
border-bottom:1px solid #e2e8f0;vertical-align:top}th{background:#f7fafc;font-weight:600}
.status{font-weight:600}.status.valid{color:#276749}.status.expired{color:#4a5568}
.status.revoked{color:#c53030}tr.expiring .when{color:#b7791f;font-weight:600}
.more{color:#4a5568}.notice{background:#fffbeb;border:1px solid #f6e05e;border-radius:6px;
padding:8px 12px}.error{background:#fff5f5;border:1px solid #feb2b2;border-radius:6px;
padding:8px 12px}dl.details{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px}
dl.details dt{font-weight:600}dl.details dd{margin:0}
pre{background:#f7fafc;border:1px solid #e2e8f0;padding:8px;overflow-x:auto}
)css";

std::string page(std::string_view title, std::string_view body) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"referrer\" content=\"no-referrer\">\n<title>";
  out += html_escape(title);
  out += "</title>\n<style>";
  out += kStyle;
  out += "</style>\n</head>\n<body>\n";
  out += body;
  out += "</body>\n</html>\n";
  return out;
}

std::string strftime_utc(core::TimePoint t, const char* format) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  const auto n = std::strftime(buf, sizeof buf, format, &tm);
  return std::string(buf, n);
}

// "2030-03-17 17:46" (UTC), for the list.
std::string minute(core::TimePoint t) {
  return strftime_utc(t, "%Y-%m-%d %H:%M");
}
std::string date(core::TimePoint t) {
  return strftime_utc(t, "%Y-%m-%d");
}

// "in 12 days", "in 5 h", "3 days ago": how far a time is from now.
std::string relative(core::TimePoint t, core::TimePoint now) {
  using std::chrono::duration_cast;
  using std::chrono::hours;
  const bool ahead = t > now;
  const auto h = duration_cast<hours>(ahead ? t - now : now - t).count();
  std::string n = h >= 48 ? std::to_string(h / 24) + " days" : std::to_string(h) + " h";
  return ahead ? "in " + n : n + " ago";
}

std::string status_class(CertificateStatus s) {
  return std::string(to_string(s));
}

// As `signet cert list` prints it: revoked with its reason.
std::string status_text(const core::Certificate& c, CertificateStatus s) {
  if (s != CertificateStatus::Revoked) return std::string(to_string(s));
  return "revoked (" + authority::reason_name(c.revocation_reason.value_or(0)) + ")";
}

std::string certificate_href(const std::string& serial) {
  return "certificates/" + serial;
}

std::string form(const InventoryQuery& q) {
  std::string out = "<form method=\"get\" action=\"./\">\n";
  out +=
      "<label>Name <input type=\"search\" name=\"name\" size=\"30\" "
      "placeholder=\"example.com\" value=\"" +
      html_escape(q.name) + "\"></label>\n";
  out +=
      "<label>Expiring within <input type=\"text\" name=\"expiring\" inputmode=\"numeric\" "
      "size=\"5\" placeholder=\"30\" value=\"" +
      html_escape(q.expiring) + "\"> days</label>\n";
  out += "<label>Status <select name=\"status\">";
  out += "<option value=\"\">any</option>";
  for (const auto s :
       {CertificateStatus::Valid, CertificateStatus::Expired, CertificateStatus::Revoked}) {
    const std::string name(to_string(s));
    out += "<option value=\"" + name + "\"" + (q.status == name ? " selected" : "") + ">" + name +
           "</option>";
  }
  out += "</select></label>\n<button type=\"submit\">Show</button> <a href=\"./\">Clear</a>\n";
  out += "</form>\n";
  out +=
      "<p class=\"hint\">Name: the name itself, every name under it (www.example.com and "
      "*.example.com for example.com) and the wildcard covering it (*.example.com for "
      "www.example.com), in any case; an IP address exactly. Names are as issued: an IDN in "
      "its xn-- form. Expiring within: valid certificates whose notAfter is within that many "
      "days (1 to " +
      std::to_string(kMaxExpiringDays) + ").</p>\n";
  return out;
}

std::string counts(const authority::CertificateOverview& o) {
  const auto& c = o.counts;
  const auto days = o.expiring_within / kDay;
  const auto card = [](std::string_view cls, std::string_view href, std::int64_t n,
                       const std::string& label) {
    return "<a class=\"count " + std::string(cls) + "\" href=\"" + std::string(href) + "\"><b>" +
           std::to_string(n) + "</b>" + html_escape(label) + "</a>\n";
  };
  std::string out = "<section class=\"counts\" aria-label=\"Certificates by status\">\n";
  out += card("valid", "./?status=valid", c.valid, "valid");
  out += card("expiring", "./?expiring=" + std::to_string(days), c.expiring,
              "expiring within " + std::to_string(days) + (days == 1 ? " day" : " days"));
  out += card("expired", "./?status=expired", c.expired, "expired");
  out += card("revoked", "./?status=revoked", c.revoked, "revoked");
  out += card("total", "./", c.valid + c.expired + c.revoked, "in all");
  out += "</section>\n";
  return out;
}

std::string names_cell(const std::vector<core::Identifier>& ids) {
  std::string out;
  for (std::size_t i = 0; i < ids.size() && i < kNamesPerRow; ++i) {
    out += (i ? "<br>" : "") + html_escape(ids[i].value);
  }
  if (ids.size() > kNamesPerRow) {
    out += "<br><span class=\"more\">and " + std::to_string(ids.size() - kNamesPerRow) +
           " more</span>";
  }
  return out;
}

std::string rows(const InventoryView& v) {
  const auto now = v.overview.now;
  const auto window = v.overview.now + v.overview.expiring_within;
  std::string out =
      "<table>\n<thead><tr><th>Names</th><th>Serial</th><th>Account</th><th>Profile</th>"
      "<th>Issued (UTC)</th><th>Expires (UTC)</th><th>Status</th><th>PEM</th></tr></thead>\n"
      "<tbody>\n";
  for (const auto& c : v.listing.items) {
    const auto s = authority::certificate_status(c, now);
    const bool expiring = s == CertificateStatus::Valid && c.not_after <= window;
    const auto href = html_escape(certificate_href(c.serial));
    out += expiring ? "<tr class=\"expiring\">" : "<tr>";
    out += "<td>" + names_cell(c.identifiers) + "</td>";
    out += "<td><a class=\"serial\" href=\"" + href + "\">" + html_escape(c.serial) + "</a></td>";
    out += "<td><code>" + html_escape(c.account_id.value) + "</code></td>";
    out += "<td>" + html_escape(c.profile) + "</td>";
    out += "<td>" + minute(c.issued_at) + "</td>";
    out += "<td class=\"when\">" + minute(c.not_after) + "<br><small>" +
           relative(c.not_after, now) + "</small></td>";
    out +=
        "<td class=\"status " + status_class(s) + "\">" + html_escape(status_text(c, s)) + "</td>";
    out += "<td><a href=\"" + href + ".pem\">PEM</a></td></tr>\n";
  }
  out += "</tbody>\n</table>\n";
  return out;
}

}  // namespace

std::string render_chart(const authority::CertificateOverview& o) {
  const auto& issued = o.counts.issued_per_day;
  const auto& expiring = o.counts.expiring_per_day;
  const std::size_t slots = issued.size() + expiring.size();
  // Plot area, in SVG units.
  constexpr double kWidth = 760, kHeight = 240;
  constexpr double kLeft = 48, kRight = 12, kTop = 34, kBottom = 52;
  constexpr double kPlotW = kWidth - kLeft - kRight, kPlotH = kHeight - kTop - kBottom;
  std::int64_t most = 1;
  for (auto n : issued) most = std::max(most, n);
  for (auto n : expiring) most = std::max(most, n);
  const double slot = slots ? kPlotW / static_cast<double>(slots) : kPlotW;
  const auto num = [](double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", x);
    return std::string(buf);
  };
  const auto y_of = [&](std::int64_t n) {
    return kTop + kPlotH - kPlotH * static_cast<double>(n) / static_cast<double>(most);
  };

  const std::string title = "Certificates issued per day (last " + std::to_string(issued.size()) +
                            " days) and expiring per day (next " + std::to_string(expiring.size()) +
                            " days)";
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + num(kWidth) + " " +
                    num(kHeight) + "\" width=\"" + num(kWidth) + "\" height=\"" + num(kHeight) +
                    "\" role=\"img\" aria-labelledby=\"chart-title\" font-family=\"sans-serif\" "
                    "font-size=\"11\">\n";
  out += "<title id=\"chart-title\">" + html_escape(title) + "</title>\n";
  // Legend.
  out += "<rect x=\"" + num(kLeft) + "\" y=\"8\" width=\"10\" height=\"10\" fill=\"#3182ce\"/>";
  out += "<text x=\"" + num(kLeft + 14) + "\" y=\"17\">issued per day</text>";
  out +=
      "<rect x=\"" + num(kLeft + 130) + "\" y=\"8\" width=\"10\" height=\"10\" fill=\"#dd6b20\"/>";
  out += "<text x=\"" + num(kLeft + 144) +
         "\" y=\"17\">expiring per day (not revoked, not yet expired)</text>\n";
  // The y axis: 0, half and the most in a day, with grid lines.
  std::vector<std::int64_t> ticks{0, most};
  if (most >= 4) ticks.insert(ticks.begin() + 1, most / 2);
  for (const auto t : ticks) {
    const auto y = num(y_of(t));
    out += "<line x1=\"" + num(kLeft) + "\" x2=\"" + num(kLeft + kPlotW) + "\" y1=\"" + y +
           "\" y2=\"" + y + "\" stroke=\"#e2e8f0\"/>";
    out += "<text x=\"" + num(kLeft - 6) + "\" y=\"" + num(y_of(t) + 4) +
           "\" text-anchor=\"end\">" + std::to_string(t) + "</text>\n";
  }
  out += "<text transform=\"translate(12 " + num(kTop + kPlotH / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">certificates</text>\n";
  // The bars, oldest issuance day first; today is the last of one and the first of the
  // other.
  const auto bar = [&](std::size_t i, std::int64_t n, const char* fill, const std::string& what) {
    if (n == 0) return std::string();
    const double x = kLeft + slot * static_cast<double>(i) + slot * 0.15;
    const double y = y_of(n);
    return "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(slot * 0.7) +
           "\" height=\"" + num(kTop + kPlotH - y) + "\" fill=\"" + fill + "\"><title>" +
           html_escape(what + ": " + std::to_string(n)) + "</title></rect>";
  };
  for (std::size_t i = 0; i < issued.size(); ++i) {
    const auto day = o.today - kDay * static_cast<int>(issued.size() - 1 - i);
    out += bar(i, issued[i], "#3182ce", date(day) + " issued");
  }
  for (std::size_t i = 0; i < expiring.size(); ++i) {
    const auto day = o.today + kDay * static_cast<int>(i);
    out += bar(issued.size() + i, expiring[i], "#dd6b20", date(day) + " expiring");
  }
  out += "\n";
  // The x axis: the first and last days, and today between the two halves.
  const double base = kTop + kPlotH;
  const double mid = kLeft + slot * static_cast<double>(issued.size());
  out += "<line x1=\"" + num(kLeft) + "\" x2=\"" + num(kLeft + kPlotW) + "\" y1=\"" + num(base) +
         "\" y2=\"" + num(base) + "\" stroke=\"#4a5568\"/>";
  out += "<line x1=\"" + num(mid) + "\" x2=\"" + num(mid) + "\" y1=\"" + num(kTop - 4) +
         "\" y2=\"" + num(base + 4) + "\" stroke=\"#4a5568\" stroke-dasharray=\"3 3\"/>\n";
  const auto label = [&](double x, const char* anchor, const std::string& text, double dy) {
    return "<text x=\"" + num(x) + "\" y=\"" + num(base + dy) + "\" text-anchor=\"" + anchor +
           "\">" + html_escape(text) + "</text>";
  };
  if (!issued.empty()) {
    out += label(kLeft, "start", date(o.today - kDay * static_cast<int>(issued.size() - 1)), 16);
  }
  out += label(mid, "middle", "today " + date(o.today), 16);
  if (!expiring.empty()) {
    out += label(kLeft + kPlotW, "end",
                 date(o.today + kDay * static_cast<int>(expiring.size() - 1)), 16);
  }
  out += label(kLeft + (mid - kLeft) / 2, "middle", "issued (UTC days)", 34);
  out += label(mid + (kLeft + kPlotW - mid) / 2, "middle", "expiring (UTC days)", 34);
  out += "\n</svg>\n";
  return out;
}

std::string render_inventory(const InventoryView& v) {
  const auto& q = v.query;
  std::string body = "<h1>Certificate inventory</h1>\n";
  body += "<p class=\"meta\">As of " + json::format_rfc3339(v.overview.now) +
          " · <a href=\"metrics\">metrics</a></p>\n";
  body += counts(v.overview);
  body += "<figure>\n" + render_chart(v.overview) +
          "<figcaption>Bars: certificates issued on each of the last " +
          std::to_string(v.overview.counts.issued_per_day.size()) +
          " days (UTC, today last), then certificates not revoked that expire on each of the "
          "next " +
          std::to_string(v.overview.counts.expiring_per_day.size()) +
          " days (today first). Hover a bar for its count.</figcaption>\n</figure>\n";
  body += "<h2>Certificates</h2>\n";
  body += form(q);
  const auto n = v.listing.items.size();
  if (n == 0) {
    body += "<p>No certificate matches.</p>\n";
  } else {
    body += "<p>" + std::to_string(n) + (n == 1 ? " certificate" : " certificates") +
            ", soonest expiry first.</p>\n";
  }
  if (v.listing.truncated) {
    body += "<p class=\"notice\">The list is truncated: more certificates match than the " +
            std::to_string(v.row_limit) +
            " shown here (those expiring soonest). Narrow the filters to see the rest.</p>\n";
  }
  if (n) body += rows(v);
  return page("Certificate inventory", body);
}

std::string render_certificate(const core::Certificate& c, core::TimePoint now) {
  const auto s = authority::certificate_status(c, now);
  const auto item = [](std::string_view term, const std::string& html) {
    return "<dt>" + std::string(term) + "</dt><dd>" + html + "</dd>\n";
  };
  const auto when = [](const std::optional<core::TimePoint>& t, const char* none) {
    return t ? json::format_rfc3339(*t) : std::string(none);
  };
  std::string names = "<ul>";
  for (const auto& id : c.identifiers) {
    names += "<li>" + html_escape(id.value) +
             (id.type == core::IdentifierType::Ip ? " <small>(IP address)</small>" : "") + "</li>";
  }
  names += "</ul>";
  const std::string serial = html_escape(c.serial);
  std::string body = "<p><a href=\"../\">← Certificate inventory</a></p>\n";
  body +=
      "<h1>Certificate <span class=\"serial\">" + serial + "</span></h1>\n<dl class=\"details\">\n";
  body += item("Serial", "<code>" + serial + "</code>");
  body += item("Status", "<span class=\"status " + status_class(s) + "\">" +
                             html_escape(status_text(c, s)) + "</span>");
  body += item("Names", names);
  body += item("Profile", c.profile.empty() ? "(none recorded)" : html_escape(c.profile));
  body += item("Account", "<code>" + html_escape(c.account_id.value) + "</code>");
  body += item("Order", "<code>" + html_escape(c.order_id.value) + "</code>");
  body += item("Not before", json::format_rfc3339(c.not_before));
  body += item("Not after",
               json::format_rfc3339(c.not_after) + " (" + relative(c.not_after, now) + ")");
  body += item("Issued", json::format_rfc3339(c.issued_at));
  body += item("Revoked", when(c.revoked_at, "no"));
  if (c.revoked_at) {
    body += item("Revocation reason",
                 html_escape(authority::reason_name(c.revocation_reason.value_or(0))));
  }
  body += item("Renew early", when(c.renew_early_at, "not asked"));
  body += item("Key (SPKI SHA-256)", "<code>" + core::hex_lower(c.key_spki_sha256) + "</code>");
  if (auto id = authority::cert_id_of(c.der)) {
    body += item("ARI certID", "<code>" + html_escape(*id) + "</code>");
  }
  body += "</dl>\n<h2>PEM</h2>\n<p><a href=\"" + serial + ".pem\">Download " + serial +
          ".pem</a> (the certificate and its issuer chain, as served to the ACME client)</p>\n";
  body += "<pre>" + html_escape(authority::leaf_pem(c)) + "</pre>\n";
  return page("Certificate " + c.serial, body);
}

std::string render_problem(std::string_view title, std::string_view detail, std::string_view home,
                           const InventoryQuery* query) {
  std::string body = "<p><a href=\"" + html_escape(home) +
                     "\">← Certificate inventory</a></p>\n<h1>" + html_escape(title) +
                     "</h1>\n<p class=\"error\">" + html_escape(detail) + "</p>\n";
  if (query) body += form(*query);
  return page(title, body);
}

}  // namespace signet::server::admin
