#include "server/admin/testing.hpp"

#include <string_view>

#include "core/log.hpp"
#include "server/json/testing.hpp"
#include "server/problem.hpp"

namespace signet::server::admin {
namespace {

namespace bh = boost::beast::http;

constexpr std::string_view kJson = "application/json";

TestingAnswer text(int status, std::string body, std::string allow = {}) {
  return {status, "text/plain; charset=utf-8", std::move(body) + "\n", std::move(allow)};
}

// A refused request: the error's status (400 for malformed) and its detail.
TestingAnswer refused(const core::Error& e) {
  return text(http_status(e.type), e.detail);
}

TestingAnswer json_answer(std::string body) {
  return {200, std::string(kJson), std::move(body) + "\n", {}};
}

bool is_get(const http::Request& req) {
  return req.method == bh::verb::get || req.method == bh::verb::head;
}

constexpr std::string_view kIndex =
    "Test endpoints: POST|DELETE /testing/txt, POST|DELETE /testing/caa, GET|POST "
    "/testing/config, GET /testing/root, GET /testing/intermediate";

}  // namespace

TestingAnswer TestingEndpoints::handle(const http::Request& req) const {
  const std::string_view target = req.target;
  const std::string_view path = target.substr(0, target.find('?'));
  if (path == "/testing/txt") return on_txt(req);
  if (path == "/testing/caa") return on_caa(req);
  if (path == "/testing/config") return on_config(req);
  if (path == "/testing/root" || path == "/testing/intermediate") {
    if (!is_get(req)) return text(405, "Only GET and HEAD are allowed here", "GET, HEAD");
    return {
        200, "application/x-pem-file", path == "/testing/root" ? root_pem_ : intermediate_pem_, {}};
  }
  return text(404, "Nothing here. " + std::string(kIndex));
}

namespace {

// Records set while validation still asks real DNS servers would never be seen.
TestingAnswer no_test_resolver() {
  return text(409,
              "validation asks the DNS servers, not these records: set [testing] "
              "resolve_all_to (or \"resolve_all_to\" through POST /testing/config) first");
}

}  // namespace

TestingAnswer TestingEndpoints::on_txt(const http::Request& req) const {
  const bool post = req.method == bh::verb::post;
  if (!post && req.method != bh::verb::delete_)
    return text(405, "Only POST and DELETE are allowed here", "POST, DELETE");
  auto body = json::decode_txt_body(req.body, !post);
  if (!body) return refused(body.error());
  auto name = validation::TestDns::record_name(body->name);
  if (!name) return refused(name.error());
  auto& dns = *mode_->dns();
  if (post) {
    if (!dns.address()) return no_test_resolver();
    if (auto st = dns.add_txt(*name, *body->value); !st) return refused(st.error());
    core::log_info("testing: TXT record added", {{"name", *name}, {"value", *body->value}});
  } else {
    const auto n = dns.remove_txt(*name, body->value);
    core::log_info("testing: TXT records removed",
                   {{"name", *name}, {"count", static_cast<std::int64_t>(n)}});
  }
  return json_answer(json::encode_txt_records(*name, dns.txt(*name)));
}

TestingAnswer TestingEndpoints::on_caa(const http::Request& req) const {
  const bool post = req.method == bh::verb::post;
  if (!post && req.method != bh::verb::delete_)
    return text(405, "Only POST and DELETE are allowed here", "POST, DELETE");
  auto body = json::decode_caa_body(req.body, !post);
  if (!body) return refused(body.error());
  auto name = validation::TestDns::record_name(body->name);
  if (!name) return refused(name.error());
  auto& dns = *mode_->dns();
  if (post) {
    if (!dns.address()) return no_test_resolver();
    if (auto st = dns.add_caa(*name, {body->critical, *body->tag, *body->value}); !st)
      return refused(st.error());
    core::log_info("testing: CAA record added",
                   {{"name", *name}, {"tag", *body->tag}, {"value", *body->value}});
  } else {
    const auto n = dns.remove_caa(*name, body->tag, body->value);
    core::log_info("testing: CAA records removed",
                   {{"name", *name}, {"count", static_cast<std::int64_t>(n)}});
  }
  return json_answer(json::encode_caa_records(*name, dns.caa(*name)));
}

TestingAnswer TestingEndpoints::on_config(const http::Request& req) const {
  if (is_get(req)) return json_answer(json::encode_testing_knobs(mode_->knobs()));
  if (req.method != bh::verb::post)
    return text(405, "Only GET, HEAD and POST are allowed here", "GET, HEAD, POST");
  config::Testing knobs = mode_->knobs();
  if (auto st = json::decode_testing_knobs(req.body, knobs); !st) return refused(st.error());
  if (auto st = mode_->apply(knobs); !st) return refused(st.error());
  std::string on;
  for (const auto& line : mode_->describe()) on += (on.empty() ? "" : "; ") + line;
  core::log_warn("testing: knobs changed through the admin listener: " +
                 (on.empty() ? std::string("none on") : on));
  return json_answer(json::encode_testing_knobs(mode_->knobs()));
}

}  // namespace signet::server::admin
