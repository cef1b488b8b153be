#include "server/vantage/client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <charconv>

#include "server/json/vantage.hpp"
#include "server/vantage/agent.hpp"

namespace signet::server::vantage {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bh = beast::http;
using core::ProblemType;

namespace {

constexpr std::size_t kMaxAnswerBytes = 1024 * 1024;

core::Error bad_url(const std::string& url, const std::string& why) {
  return core::make_error(ProblemType::Malformed, "vantage agent URL " + url + ": " + why);
}

}  // namespace

core::Result<AgentUrl> parse_agent_url(const std::string& url) {
  constexpr std::string_view kScheme = "https://";
  if (!url.starts_with(kScheme)) return bad_url(url, "must start with https://");
  std::string_view rest = std::string_view(url).substr(kScheme.size());
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  AgentUrl out;
  if (slash != std::string_view::npos) {
    out.path = std::string(rest.substr(slash));
    while (out.path.ends_with('/')) out.path.pop_back();
  }
  std::string_view port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return bad_url(url, "unclosed [");
    out.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return bad_url(url, "junk after ]");
      port = authority.substr(close + 2);
    }
  } else {
    const auto colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return bad_url(url, "no host");
  if (!port.empty() || authority.ends_with(':')) {
    unsigned p = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || end != port.data() + port.size() || p == 0 || p > 65535) {
      return bad_url(url, "bad port");
    }
    out.port = static_cast<uint16_t>(p);
  }
  if (out.path.find_first_of("?#") != std::string::npos) {
    return bad_url(url, "no query or fragment allowed");
  }
  return out;
}

AgentClient::AgentClient(AgentConfig config, asio::ssl::context& tls)
    : config_(std::move(config)), tls_(tls) {}

asio::awaitable<validation::ValidationOutcome> AgentClient::validate(
    const validation::ValidationRequest& req) {
  validation::ValidationOutcome out;
  const std::string body = json::encode_validation_request(req);  // named: see development.md
  auto answer = co_await exchange(body);
  if (!answer) {
    out.problem = std::move(answer).error();
    co_return out;
  }
  auto decoded = json::decode_validation_outcome(*answer);
  if (!decoded) {
    out.problem = core::make_error(ProblemType::Connection,
                                   "unreadable answer from the agent: " + decoded.error().detail);
    co_return out;
  }
  co_return std::move(decoded).value();
}

asio::awaitable<core::Result<std::string>> AgentClient::exchange(const std::string& body) {
  const auto& url = config_.url;
  auto fail = [&](const std::string& what, const boost::system::error_code& ec) {
    const std::string why = ec == beast::error::timeout ? "timed out" : ec.message();
    return core::make_error(
        ProblemType::Connection,
        "agent at " + url.host + ":" + std::to_string(url.port) + ": " + what + ": " + why);
  };
  auto ex = co_await asio::this_coro::executor;
  boost::system::error_code ec;
  beast::ssl_stream<beast::tcp_stream> stream(ex, tls_);
  auto& tcp = beast::get_lowest_layer(stream);
  tcp.expires_after(config_.timeout);  // one deadline for every step below

  asio::ip::tcp::resolver resolver(ex);
  auto endpoints = co_await resolver.async_resolve(url.host, std::to_string(url.port),
                                                   asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return fail("resolving", ec);
  co_await tcp.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return fail("connecting", ec);

  // The agent must present a certificate from Signet's CA for the URL's host.
  boost::system::error_code ip_ec;
  asio::ip::make_address(url.host, ip_ec);
  if (ip_ec) SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str());
  stream.set_verify_mode(asio::ssl::verify_peer);
  stream.set_verify_callback(asio::ssl::host_name_verification(url.host));
  co_await stream.async_handshake(asio::ssl::stream_base::client,
                                  asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return fail("TLS handshake", ec);

  bh::request<bh::string_body> request{bh::verb::post, url.path + kValidatePath, 11};
  request.set(bh::field::host, url.host);
  request.set(bh::field::content_type, "application/json");
  request.set(bh::field::user_agent, "Signet");
  request.body() = body;
  request.prepare_payload();
  co_await bh::async_write(stream, request, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return fail("sending", ec);

  beast::flat_buffer buffer;
  bh::response_parser<bh::string_body> parser;
  parser.body_limit(kMaxAnswerBytes);
  co_await bh::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return fail("reading the answer", ec);
  auto res = parser.release();
  // Close politely but without waiting long for the peer's close_notify.
  tcp.expires_after(std::chrono::seconds(1));
  co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));

  if (res.result() != bh::status::ok) {
    auto problem = json::decode_problem(res.body());
    co_return core::make_error(ProblemType::Connection,
                               "agent at " + url.host + " refused the request (HTTP " +
                                   std::to_string(res.result_int()) + ")" +
                                   (problem ? ": " + problem->detail : ""));
  }
  co_return std::move(res.body());
}

}  // namespace signet::server::vantage
