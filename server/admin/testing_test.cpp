#include "server/admin/testing.hpp"

#include <gtest/gtest.h>

#include "core/async.hpp"
#include "server/admin/router.hpp"

namespace signet::server::admin {
namespace {

namespace bh = boost::beast::http;

struct Fixture {
  std::shared_ptr<TestMode> mode = std::make_shared<TestMode>(std::make_shared<core::Random>(1));
  Router router{{std::make_shared<core::metrics::Registry>(), nullptr,
                 std::make_shared<TestingEndpoints>(mode, "ROOT PEM\n", "INTERMEDIATE PEM\n")}};

  http::Response call(bh::verb method, std::string target, std::string body = {}) {
    http::Request req;
    req.method = method;
    req.target = std::move(target);
    req.body = std::move(body);
    return core::await_blocking(router.handle(req));
  }
};

TEST(AdminTesting, AbsentUnlessTheTestModeIsOn) {
  const Router router({std::make_shared<core::metrics::Registry>(), nullptr});
  for (auto method : {bh::verb::get, bh::verb::post, bh::verb::delete_}) {
    for (const char* path : {"/testing/txt", "/testing/config", "/testing/root", "/testing"}) {
      http::Request req;
      req.method = method;
      req.target = path;
      req.body = R"({"name":"a.test","value":"x"})";
      auto res = core::await_blocking(router.handle(req));
      EXPECT_EQ(res.result_int(), 404) << path;
      EXPECT_NE(res.body().find("--testing"), std::string::npos) << res.body();
    }
  }
}

TEST(AdminTesting, SetsAndDeletesTxtRecords) {
  Fixture f;
  // Without resolve_all_to, validation does not look at these records: refused.
  auto res =
      f.call(bh::verb::post, "/testing/txt", R"({"name":"_acme-challenge.a.test","value":"v1"})");
  EXPECT_EQ(res.result_int(), 409);
  EXPECT_NE(res.body().find("resolve_all_to"), std::string::npos) << res.body();

  config::Testing t;
  t.enabled = true;
  t.resolve_all_to = "127.0.0.1";
  ASSERT_TRUE(f.mode->apply(t));
  res =
      f.call(bh::verb::post, "/testing/txt", R"({"name":"_acme-challenge.A.test.","value":"v1"})");
  ASSERT_EQ(res.result_int(), 200) << res.body();
  EXPECT_EQ(res[bh::field::content_type], "application/json");
  EXPECT_EQ(res.body(), "{\"name\":\"_acme-challenge.a.test\",\"txt\":[\"v1\"]}\n");
  res = f.call(bh::verb::post, "/testing/txt", R"({"name":"_acme-challenge.a.test","value":"v2"})");
  EXPECT_EQ(f.mode->dns()->txt("_acme-challenge.a.test"), (std::vector<std::string>{"v1", "v2"}));

  res = f.call(bh::verb::delete_, "/testing/txt",
               R"({"name":"_acme-challenge.a.test","value":"v1"})");
  ASSERT_EQ(res.result_int(), 200) << res.body();
  EXPECT_EQ(res.body(), "{\"name\":\"_acme-challenge.a.test\",\"txt\":[\"v2\"]}\n");
  res = f.call(bh::verb::delete_, "/testing/txt", R"({"name":"_acme-challenge.a.test"})");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_TRUE(f.mode->dns()->txt("_acme-challenge.a.test").empty());

  const std::pair<const char*, const char*> bad[] = {
      {"", "must be a JSON object"},
      {"name=x", "not JSON"},
      {"[1]", "must be a JSON object"},
      {R"({"name":"a.test"})", "\"value\" is required"},
      {R"({"value":"x"})", "\"name\" is required"},
      {R"({"name":"a.test","value":7})", "\"value\" must be a string"},
      {R"({"name":"a.test","value":"x","ttl":5})", "unknown member \"ttl\""},
      {R"({"name":"a b","value":"x"})", "not a DNS name"},
      {R"({"name":"a.test","value":""})", "1-4096"},
  };
  for (const auto& [body, want] : bad) {
    res = f.call(bh::verb::post, "/testing/txt", body);
    EXPECT_EQ(res.result_int(), 400) << body;
    EXPECT_NE(res.body().find(want), std::string::npos) << body << ": " << res.body();
  }
  res = f.call(bh::verb::get, "/testing/txt");
  EXPECT_EQ(res.result_int(), 405);
  EXPECT_EQ(res[bh::field::allow], "POST, DELETE");
}

TEST(AdminTesting, SetsAndDeletesCaaRecords) {
  Fixture f;
  config::Testing t;
  t.enabled = true;
  t.resolve_all_to = "::1";
  ASSERT_TRUE(f.mode->apply(t));
  auto res = f.call(bh::verb::post, "/testing/caa",
                    R"({"name":"example.test","tag":"issue","value":"ca.example"})");
  ASSERT_EQ(res.result_int(), 200) << res.body();
  EXPECT_EQ(res.body(),
            "{\"name\":\"example.test\",\"caa\":[{\"tag\":\"issue\",\"value\":\"ca.example\","
            "\"critical\":false}]}\n");
  res = f.call(bh::verb::post, "/testing/caa",
               R"({"name":"example.test","tag":"issuewild","value":";","critical":true})");
  EXPECT_EQ(f.mode->dns()->caa("example.test").size(), 2u);
  res = f.call(bh::verb::post, "/testing/caa", R"({"name":"example.test","tag":"issue"})");
  EXPECT_EQ(res.result_int(), 400);
  res = f.call(bh::verb::post, "/testing/caa",
               R"({"name":"example.test","tag":"is sue","value":"x"})");
  EXPECT_EQ(res.result_int(), 400);
  res = f.call(bh::verb::delete_, "/testing/caa", R"({"name":"example.test","tag":"issuewild"})");
  ASSERT_EQ(res.result_int(), 200) << res.body();
  EXPECT_EQ(f.mode->dns()->caa("example.test").size(), 1u);
  res = f.call(bh::verb::delete_, "/testing/caa", R"({"name":"example.test"})");
  EXPECT_TRUE(f.mode->dns()->caa("example.test").empty());
}

TEST(AdminTesting, ReadsAndChangesTheKnobs) {
  Fixture f;
  auto res = f.call(bh::verb::get, "/testing/config");
  ASSERT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(),
            "{\"resolve_all_to\":\"\",\"always_valid\":false,\"nonce_reject_percent\":0,"
            "\"validation_delay\":\"\",\"reuse_authorizations\":true,\"inject\":[]}\n");

  res = f.call(
      bh::verb::post, "/testing/config",
      R"({"always_valid":true,"nonce_reject_percent":20,"inject":[)"
      R"({"resource":"finalize","problem":"rateLimited","status":429,"percent":10,"retry_after":2}]})");
  ASSERT_EQ(res.result_int(), 200) << res.body();
  EXPECT_EQ(res.body(),
            "{\"resolve_all_to\":\"\",\"always_valid\":true,\"nonce_reject_percent\":20,"
            "\"validation_delay\":\"\",\"reuse_authorizations\":true,\"inject\":[{\"resource\":"
            "\"finalize\",\"problem\":\"rateLimited\",\"status\":429,\"percent\":10,"
            "\"retry_after\":2}]}\n");
  EXPECT_TRUE(f.mode->validation()->always_valid());
  // Members not given keep their values.
  res = f.call(bh::verb::post, "/testing/config", R"({"validation_delay":"0s-1s"})");
  ASSERT_EQ(res.result_int(), 200) << res.body();
  EXPECT_TRUE(f.mode->knobs().always_valid);
  EXPECT_EQ(f.mode->knobs().inject.size(), 1u);
  EXPECT_EQ(f.mode->knobs().validation_delay, "0s-1s");

  const std::pair<const char*, const char*> bad[] = {
      {"{", "not JSON"},
      {R"({"enabled":false})", "unknown member \"enabled\""},
      {R"({"nonce_reject_percent":150})", "0-100"},
      {R"({"nonce_reject_percent":"50"})", "0-100"},
      {R"({"always_valid":"yes"})", "true or false"},
      {R"({"validation_delay":"3s-1s"})", "starts after it ends"},
      {R"({"resolve_all_to":"localhost"})", "not an IP address"},
      {R"({"inject":{}})", "array"},
      {R"({"inject":[{"resource":"finalize"}]})", "needs a resource and a problem"},
      {R"({"inject":[{"resource":"final","problem":"malformed"}]})", "not an ACME resource"},
      {R"({"inject":[{"resource":"finalize","problem":"rateLimited"}]})", "needs retry_after"},
      {R"({"inject":[{"resource":"finalize","problem":"x"}]})", "not an ACME problem type"},
      {R"({"inject":[{"resource":"finalize","problem":"malformed","when":1}]})",
       "unknown member \"when\""},
  };
  for (const auto& [body, want] : bad) {
    res = f.call(bh::verb::post, "/testing/config", body);
    EXPECT_EQ(res.result_int(), 400) << body;
    EXPECT_NE(res.body().find(want), std::string::npos) << body << ": " << res.body();
  }
  // Nothing a refused request said was applied.
  EXPECT_TRUE(f.mode->knobs().always_valid);
  EXPECT_EQ(f.mode->knobs().nonce_reject_percent, 20u);
  EXPECT_EQ(f.mode->knobs().validation_delay, "0s-1s");

  res = f.call(bh::verb::delete_, "/testing/config");
  EXPECT_EQ(res.result_int(), 405);
  EXPECT_EQ(res[bh::field::allow], "GET, HEAD, POST");
}

TEST(AdminTesting, ServesTheCaCertificates) {
  Fixture f;
  auto res = f.call(bh::verb::get, "/testing/root");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res[bh::field::content_type], "application/x-pem-file");
  EXPECT_EQ(res.body(), "ROOT PEM\n");
  EXPECT_EQ(f.call(bh::verb::get, "/testing/intermediate").body(), "INTERMEDIATE PEM\n");
  EXPECT_EQ(f.call(bh::verb::post, "/testing/root").result_int(), 405);
  res = f.call(bh::verb::get, "/testing/nothing");
  EXPECT_EQ(res.result_int(), 404);
  EXPECT_NE(res.body().find("/testing/txt"), std::string::npos);
  // The operator's pages still answer GET only.
  EXPECT_EQ(f.call(bh::verb::get, "/metrics").result_int(), 200);
  EXPECT_EQ(f.call(bh::verb::post, "/metrics").result_int(), 405);
}

}  // namespace
}  // namespace signet::server::admin
