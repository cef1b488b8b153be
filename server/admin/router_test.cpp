#include "server/admin/router.hpp"

#include <gtest/gtest.h>

#include "core/async.hpp"

namespace signet::server::admin {
namespace {

namespace bh = boost::beast::http;

http::Response get(const Router& router, bh::verb method, std::string target) {
  http::Request req;
  req.method = method;
  req.target = std::move(target);
  return core::await_blocking(router.handle(req));
}

TEST(AdminRouter, ServesMetricsAndNothingElse) {
  auto registry = std::make_shared<core::metrics::Registry>();
  registry->counter("signet_test_total", "A test counter.").with().inc(3);
  const Router router({registry});

  auto res = get(router, bh::verb::get, "/metrics");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res[bh::field::content_type], core::metrics::kContentType);
  EXPECT_NE(res.body().find("signet_test_total 3\n"), std::string::npos) << res.body();

  res = get(router, bh::verb::head, "/metrics?x=1");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_TRUE(res.body().empty());

  res = get(router, bh::verb::post, "/metrics");
  EXPECT_EQ(res.result_int(), 405);
  EXPECT_EQ(res[bh::field::allow], "GET, HEAD");

  for (const char* acme : {"/directory", "/acme/new-order", "/crl/acme/0.crl", "/metrics/"}) {
    EXPECT_EQ(get(router, bh::verb::get, acme).result_int(), 404) << acme;
  }
}

}  // namespace
}  // namespace signet::server::admin
