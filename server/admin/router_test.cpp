#include "server/admin/router.hpp"

#include <gtest/gtest.h>

#include "core/async.hpp"
#include "storage/store_test_fixture.hpp"

namespace signet::server::admin {
namespace {

namespace bh = boost::beast::http;
using storage::fixture::kNow;

bool has(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// A router over a real store with the fixture's five certificates, at kNow.
class AdminRouterTest : public storage::fixture::CertificateStoreTest {
 protected:
  void SetUp() override {
    CertificateStoreTest::SetUp();
    five_certificates();
    registry->counter("signet_test_total", "A test counter.").with().inc(3);
    router.emplace(Services{registry, std::make_shared<authority::Inventory>(*store, clock)});
  }

  http::Response get(std::string target, bh::verb method = bh::verb::get) {
    http::Request req;
    req.method = method;
    req.target = std::move(target);
    return core::await_blocking(router->handle(req));
  }

  core::FixedClock clock{kNow};
  std::shared_ptr<core::metrics::Registry> registry = std::make_shared<core::metrics::Registry>();
  std::optional<Router> router;
};

// The pages read the store through its interface: one backend is enough here (the
// storage tests run the queries on both).
INSTANTIATE_TEST_SUITE_P(Sqlite, AdminRouterTest,
                         ::testing::Values(storage::fixture::Backend::Sqlite),
                         storage::fixture::backend_name);

TEST_P(AdminRouterTest, ServesMetrics) {
  auto res = get("/metrics");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res[bh::field::content_type], core::metrics::kContentType);
  EXPECT_NE(res.body().find("signet_test_total 3\n"), std::string::npos) << res.body();

  res = get("/metrics?x=1", bh::verb::head);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_TRUE(res.body().empty());
}

TEST_P(AdminRouterTest, OnlyGetAndHeadOnlyItsOwnPaths) {
  for (const char* path : {"/metrics", "/", "/certificates/01", "/certificates/01.pem"}) {
    for (auto method : {bh::verb::post, bh::verb::put, bh::verb::delete_}) {
      auto res = get(path, method);
      EXPECT_EQ(res.result_int(), 405) << path;
      EXPECT_EQ(res[bh::field::allow], "GET, HEAD");
    }
  }
  for (const char* other : {"/directory", "/acme/new-order", "/crl/acme/0.crl", "/metrics/",
                            "/certificates", "/index.html"}) {
    auto res = get(other);
    EXPECT_EQ(res.result_int(), 404) << other;
    EXPECT_EQ(res[bh::field::content_type], "text/html; charset=utf-8");
    EXPECT_TRUE(has(res.body(), "Nothing here")) << other;
  }
  EXPECT_TRUE(has(get("/a/b/c").body(), "href=\"../../\""));  // back to the inventory
  EXPECT_EQ(get("/nope", bh::verb::post).result_int(), 404);
}

TEST_P(AdminRouterTest, TheInventoryListsSoonestExpiryFirst) {
  auto res = get("/");
  ASSERT_EQ(res.result_int(), 200) << res.body();
  EXPECT_EQ(res[bh::field::content_type], "text/html; charset=utf-8");
  EXPECT_TRUE(has(std::string(res["Content-Security-Policy"]), "default-src 'none'"));
  EXPECT_TRUE(has(std::string(res["Content-Security-Policy"]), "style-src 'unsafe-inline'"));
  EXPECT_EQ(res["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(res[bh::field::cache_control], "no-store");
  const auto& body = res.body();
  // 05 (1 day), 02 (10 days), then 01, 03, 04 (90 days; by serial).
  std::vector<std::size_t> at;
  for (const char* s : {"05", "02", "01", "03", "04"}) {
    at.push_back(body.find("href=\"certificates/" + std::string(s) + "\""));
    ASSERT_NE(at.back(), std::string::npos) << s;
  }
  EXPECT_TRUE(std::is_sorted(at.begin(), at.end()));
  // Counts over everything: 03 is revoked; two expire within the default 30 days.
  EXPECT_TRUE(has(body, "<b>4</b>valid"));
  EXPECT_TRUE(has(body, "<b>2</b>expiring within 30 days"));
  EXPECT_TRUE(has(body, "<b>0</b>expired"));
  EXPECT_TRUE(has(body, "<b>1</b>revoked"));
  EXPECT_TRUE(has(body, "<svg"));
  EXPECT_TRUE(has(body, "issued: 5</title>"));

  res = get("/", bh::verb::head);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_TRUE(res.body().empty());
}

TEST_P(AdminRouterTest, TheInventoryFilters) {
  const auto listed = [&](const std::string& query) {
    auto res = get("/?" + query);
    EXPECT_EQ(res.result_int(), 200) << query;
    std::vector<std::string> serials;
    for (const char* s : {"01", "02", "03", "04", "05"}) {
      if (has(res.body(), "href=\"certificates/" + std::string(s) + "\"")) serials.push_back(s);
    }
    return serials;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(listed("expiring=5"), (V{"05"}));
  EXPECT_EQ(listed("expiring=30&name=&status="), (V{"02", "05"}));
  EXPECT_EQ(listed("name=SUB.two.example"), (V{"04"}));
  EXPECT_EQ(listed("name=two.example&status=revoked"), (V{"03"}));
  EXPECT_EQ(listed("name=one.example"), (V{"01"}));
  EXPECT_EQ(listed("name=example"), (V{"01", "02", "03", "04", "05"}));
  EXPECT_EQ(listed("name=wo.example"), V{});
  // The window counted follows the filter.
  EXPECT_TRUE(has(get("/?expiring=5").body(), "<b>1</b>expiring within 5 days"));
}

TEST_P(AdminRouterTest, ABadQueryIsRefusedWithItsFieldsEscaped) {
  auto res = get("/?expiring=%3Cscript%3E&name=%22%3E%3Cscript%3E");
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_EQ(res[bh::field::content_type], "text/html; charset=utf-8");
  EXPECT_FALSE(has(res.body(), "<script")) << res.body();
  EXPECT_TRUE(has(res.body(), "give a whole number of days from 1 to 3650"));
  EXPECT_TRUE(has(res.body(), "value=\"&quot;&gt;&lt;script&gt;\""));
  EXPECT_EQ(get("/?status=maybe").result_int(), 400);
  EXPECT_EQ(get("/?name=%zz").result_int(), 400);

  res = get("/?name=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_FALSE(has(res.body(), "<script"));
  EXPECT_TRUE(has(res.body(), "No certificate matches."));
}

TEST_P(AdminRouterTest, ACertificateItsPemAndUnknownSerials) {
  auto res = get("/certificates/01");
  ASSERT_EQ(res.result_int(), 200) << res.body();
  EXPECT_EQ(res[bh::field::content_type], "text/html; charset=utf-8");
  EXPECT_TRUE(has(res.body(), "<li>one.example</li>"));
  EXPECT_TRUE(has(res.body(), "href=\"01.pem\""));
  EXPECT_TRUE(has(get("/certificates/03").body(), "revoked (superseded)"));

  res = get("/certificates/01.pem");
  ASSERT_EQ(res.result_int(), 200);
  EXPECT_EQ(res[bh::field::content_type], "application/pem-certificate-chain");
  EXPECT_EQ(res["Content-Disposition"], "attachment; filename=\"01.pem\"");
  EXPECT_EQ(res.body(), "PEM");  // the chain as stored

  for (const char* unknown : {"/certificates/ff", "/certificates/ff.pem", "/certificates/%3Cb%3E",
                              "/certificates/<b>x", "/certificates/.pem", "/certificates/"}) {
    res = get(unknown);
    EXPECT_EQ(res.result_int(), 404) << unknown;
    EXPECT_TRUE(has(res.body(), "No certificate has serial")) << unknown;
    EXPECT_FALSE(has(res.body(), "<b>")) << unknown;
    EXPECT_TRUE(has(res.body(), "href=\"../\"")) << unknown;
  }
  res = get("/certificates/01/x");
  EXPECT_EQ(res.result_int(), 404);
  EXPECT_TRUE(has(res.body(), "href=\"../../\""));
  EXPECT_EQ(get("/certificates/0A").result_int(), 404);  // 0a: none
  EXPECT_EQ(get("/certificates/05").result_int(), 200);
}

}  // namespace
}  // namespace signet::server::admin
