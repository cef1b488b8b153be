// The inventory pages as rendered, and their query: escaping, order, counts, chart,
// truncation, and what a bad query says.
#include "server/admin/inventory_page.hpp"

#include <gtest/gtest.h>

namespace signet::server::admin {
namespace {

using core::CertificateStatus;
using namespace std::chrono_literals;

const core::TimePoint kNow = core::from_unix(1'900'000'000);  // 2030-03-17T17:46:40Z

bool has(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

core::Certificate certificate(std::string serial, std::vector<std::string> names,
                              core::TimePoint not_after) {
  core::Certificate c;
  c.serial = std::move(serial);
  c.account_id = core::AccountId{"acct-" + c.serial};
  c.order_id = core::OrderId{"order-" + c.serial};
  for (auto& n : names) c.identifiers.push_back({core::IdentifierType::Dns, std::move(n)});
  c.not_before = c.issued_at = not_after - 24h * 90;
  c.not_after = not_after;
  c.profile = "tlsserver";
  c.chain_pem =
      "-----BEGIN CERTIFICATE-----\nLEAF\n-----END CERTIFICATE-----\n"
      "-----BEGIN CERTIFICATE-----\nISSUER\n-----END CERTIFICATE-----\n";
  return c;
}

authority::CertificateOverview overview() {
  authority::CertificateOverview o;
  o.now = kNow;
  o.today = core::from_unix(1'900'000'000 - 1'900'000'000 % 86400);
  o.expiring_within = 24h * 30;
  o.counts.valid = 7;
  o.counts.expiring = 2;
  o.counts.expired = 3;
  o.counts.revoked = 1;
  o.counts.issued_per_day.assign(kChartDays, 0);
  o.counts.expiring_per_day.assign(kChartDays, 0);
  o.counts.issued_per_day.back() = 4;
  o.counts.issued_per_day[0] = 2;
  o.counts.expiring_per_day[5] = 1;
  return o;
}

// Three certificates, soonest expiry first as the store lists them: one expired, one
// expiring within the window (with hostile names, account and profile), one revoked.
InventoryView view() {
  InventoryView v;
  v.query = parse_inventory_query("");
  v.overview = overview();
  auto soon = certificate("0a", {"soon.example", "<b>bold</b>.example"}, kNow + 24h * 5);
  soon.account_id = core::AccountId{"acct\"><script>x</script>"};
  soon.profile = "p<1>&";
  auto gone = certificate("0b", {"gone.example"}, kNow + 24h * 40);
  gone.revoked_at = kNow - 1h;
  gone.revocation_reason = 1;
  auto old = certificate("0c", {"old.example"}, kNow - 24h);
  v.listing.items = {old, soon, gone};
  return v;
}

TEST(HtmlEscape, EscapesWhatHtmlGivesMeaning) {
  EXPECT_EQ(html_escape("<a href=\"x\">Tom & 'Jerry'</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
  EXPECT_EQ(html_escape("www.example.com"), "www.example.com");
  EXPECT_EQ(html_escape(""), "");
  EXPECT_EQ(html_escape("&amp;"), "&amp;amp;");
}

TEST(InventoryQuery, ReadsTheForm) {
  auto q = parse_inventory_query("");
  EXPECT_FALSE(q.error);
  EXPECT_FALSE(q.expiring_days || q.search || q.status_filter);

  q = parse_inventory_query("name=&expiring=&status=");  // the form sent empty
  EXPECT_FALSE(q.error);
  EXPECT_FALSE(q.expiring_days || q.search || q.status_filter);

  q = parse_inventory_query("expiring=+30+&name=+Example.COM+&status=valid");
  ASSERT_FALSE(q.error) << q.error->detail;
  EXPECT_EQ(q.expiring_days, 30);
  EXPECT_EQ(q.search, "Example.COM");
  EXPECT_EQ(q.status_filter, CertificateStatus::Valid);
  EXPECT_EQ(q.name, " Example.COM ");  // as given, for the form

  q = parse_inventory_query("name=a%2Bb%20c%3C&&status=any");
  ASSERT_FALSE(q.error);
  EXPECT_EQ(q.search, "a+b c<");
  EXPECT_FALSE(q.status_filter);
  EXPECT_EQ(parse_inventory_query("status=revoked").status_filter, CertificateStatus::Revoked);
  EXPECT_EQ(parse_inventory_query("expiring=3650").expiring_days, 3650);
}

TEST(InventoryQuery, SaysWhatIsWrong) {
  for (const char* bad : {"expiring=abc", "expiring=0", "expiring=-1", "expiring=3651",
                          "expiring=1e3", "expiring=30days", "expiring=99999999999999"}) {
    auto q = parse_inventory_query(bad);
    ASSERT_TRUE(q.error) << bad;
    EXPECT_EQ(q.error->type, core::ProblemType::Malformed);
    EXPECT_TRUE(has(q.error->detail, "whole number of days from 1 to 3650")) << q.error->detail;
  }
  auto q = parse_inventory_query("expiring=soon&name=x");
  ASSERT_TRUE(q.error);
  EXPECT_EQ(q.expiring, "soon");  // kept for the form

  const auto detail = [](std::string_view query) {
    auto q = parse_inventory_query(query);
    return q.error ? q.error->detail : std::string("no error");
  };
  EXPECT_TRUE(has(detail("status=bogus"), "give valid, expired or revoked"));
  EXPECT_TRUE(has(detail("days=3"), "unknown parameter \"days\""));
  EXPECT_TRUE(has(detail("name=a&name=b"), "given twice"));
  EXPECT_TRUE(has(detail("name=%zz"), "bad %-escape"));
  EXPECT_TRUE(has(detail("name=abc%4"), "bad %-escape"));
  EXPECT_TRUE(has(detail("name=" + std::string(256, 'a')), "longer than 255"));
  EXPECT_EQ(form_decode("%41+%2b%"), std::nullopt);
  EXPECT_EQ(form_decode("%41+%2b"), "A +");
}

TEST(InventoryPage, ListsInTheOrderGivenWithEverythingEscaped) {
  const auto html = render_inventory(view());
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>"));
  // Soonest expiry first, as listed.
  const auto a = html.find("old.example"), b = html.find("soon.example"),
             c = html.find("gone.example");
  ASSERT_NE(a, std::string::npos);
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_FALSE(has(html, "<b>bold"));
  EXPECT_TRUE(has(html, "&lt;b&gt;bold&lt;/b&gt;.example"));
  EXPECT_FALSE(has(html, "<script"));
  EXPECT_TRUE(has(html, "acct&quot;&gt;&lt;script&gt;x&lt;/script&gt;"));
  EXPECT_TRUE(has(html, "p&lt;1&gt;&amp;"));
  // Links to details and PEM, relative to /.
  EXPECT_TRUE(has(html, "href=\"certificates/0a\""));
  EXPECT_TRUE(has(html, "href=\"certificates/0a.pem\""));
  // Statuses as the command line names them; the one within the window is marked.
  EXPECT_TRUE(has(html, "<tr class=\"expiring\">"));
  EXPECT_TRUE(has(html, "revoked (keyCompromise)"));
  EXPECT_TRUE(has(html, "class=\"status expired\">expired<"));
  EXPECT_TRUE(has(html, "in 5 days"));
  EXPECT_TRUE(has(html, "3 certificates, soonest expiry first."));
  EXPECT_FALSE(has(html, "truncated"));
}

TEST(InventoryPage, CountsChartAndTruncation) {
  auto v = view();
  v.listing.truncated = true;
  v.row_limit = 3;
  const auto html = render_inventory(v);
  // Counts over the whole database, with links to the lists they count.
  EXPECT_TRUE(has(html, "href=\"./?status=valid\"><b>7</b>valid"));
  EXPECT_TRUE(has(html, "href=\"./?expiring=30\"><b>2</b>expiring within 30 days"));
  EXPECT_TRUE(has(html, "href=\"./?status=expired\"><b>3</b>expired"));
  EXPECT_TRUE(has(html, "href=\"./?status=revoked\"><b>1</b>revoked"));
  EXPECT_TRUE(has(html, "<b>11</b>in all"));
  EXPECT_TRUE(has(html, "more certificates match than the 3 shown"));
  // The chart: a bar per day with a count, axes labelled.
  const auto svg = html.substr(html.find("<svg"), html.find("</svg>") - html.find("<svg"));
  ASSERT_FALSE(svg.empty());
  EXPECT_TRUE(has(svg, "<title>2030-03-17 issued: 4</title>"));
  EXPECT_TRUE(has(svg, "<title>2030-02-16 issued: 2</title>"));  // 29 days before
  EXPECT_TRUE(has(svg, "<title>2030-03-22 expiring: 1</title>"));
  EXPECT_TRUE(has(svg, "today 2030-03-17"));
  EXPECT_TRUE(has(svg, ">2030-04-15</text>"));  // the last day ahead
  EXPECT_TRUE(has(svg, "issued per day"));
  EXPECT_TRUE(has(svg, "certificates</text>"));  // the y axis
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  std::size_t bars = 0;
  for (auto p = svg.find("<rect"); p != std::string::npos; p = svg.find("<rect", p + 1)) ++bars;
  EXPECT_EQ(bars, 2u + 3u);  // two legend swatches, three days with certificates
}

TEST(InventoryPage, AHostileQueryComesBackEscaped) {
  auto v = view();
  v.query = parse_inventory_query(
      "name=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E&status=valid&expiring=7");
  ASSERT_FALSE(v.query.error);
  auto html = render_inventory(v);
  EXPECT_FALSE(has(html, "<script"));
  EXPECT_TRUE(has(html, "value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\""));
  EXPECT_TRUE(has(html, "<option value=\"valid\" selected>"));
  EXPECT_TRUE(has(html,
                  "name=\"expiring\" inputmode=\"numeric\" size=\"5\" placeholder=\"30\" "
                  "value=\"7\""));

  // Refused: the 400 page says why and gives the form back, escaped.
  auto bad = parse_inventory_query("expiring=%3Cimg%20src%3Dx%3E&name=%27%3Cx");
  ASSERT_TRUE(bad.error);
  html = render_problem("The query cannot be used", bad.error->detail, "./", &bad);
  EXPECT_FALSE(has(html, "<img"));
  EXPECT_FALSE(has(html, "<x"));
  EXPECT_TRUE(has(html, "expiring within &quot;&lt;img src=x&gt;&quot; days: give a whole number"));
  EXPECT_TRUE(has(html, "value=\"&lt;img src=x&gt;\""));
  EXPECT_TRUE(has(html, "value=\"&#39;&lt;x\""));
}

TEST(CertificatePage, ShowsWhatCertShowShows) {
  auto c = certificate("0a", {"a.example", "<i>.example"}, kNow + 24h * 10);
  c.revoked_at = kNow - 1h;
  c.revocation_reason = 4;
  c.profile = "<p>";
  c.key_spki_sha256 = std::string("\x01\xab", 2);
  const auto html = render_certificate(c, kNow);
  for (const char* part :
       {"<code>0a</code>", "revoked (superseded)", "<li>a.example</li>",
        "<li>&lt;i&gt;.example</li>", "&lt;p&gt;", "<code>acct-0a</code>", "<code>order-0a</code>",
        "<dd>2030-03-27T17:46:40Z (in 10 days)</dd>", "<dd>2030-03-17T16:46:40Z</dd>",
        "<dt>Revocation reason</dt><dd>superseded</dd>", "<code>01ab</code>", "href=\"0a.pem\"",
        "href=\"../\"",
        "<pre>-----BEGIN CERTIFICATE-----\nLEAF\n-----END CERTIFICATE-----\n</pre>"}) {
    EXPECT_TRUE(has(html, part)) << part << "\n" << html;
  }
  EXPECT_FALSE(has(html, "ISSUER"));  // the leaf alone, as `signet cert show`
  EXPECT_FALSE(has(html, "<i>"));
}

}  // namespace
}  // namespace signet::server::admin
