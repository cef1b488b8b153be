#include "tests/bench/https_connection.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace signet::bench {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr auto kTimeout = std::chrono::seconds(30);
constexpr std::size_t kBodyLimit = 1024 * 1024;

std::string header(const http::response<http::string_body>& res, http::field f) {
  auto it = res.find(f);
  return it == res.end() ? std::string() : std::string(it->value());
}

}  // namespace

HttpsConnection::HttpsConnection(asio::any_io_executor ex, asio::ssl::context& tls,
                                 asio::ip::tcp::endpoint server, std::string host)
    : ex_(std::move(ex)), tls_(tls), server_(server), host_(std::move(host)) {}

asio::awaitable<boost::system::error_code> HttpsConnection::connect() {
  stream_.reset();
  buffer_.clear();
  stream_.emplace(ex_, tls_);
  ++connects_;
  boost::system::error_code ec;
  auto& tcp = beast::get_lowest_layer(*stream_);
  tcp.expires_after(kTimeout);
  co_await tcp.async_connect(server_, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return ec;
  tcp.socket().set_option(asio::ip::tcp::no_delay(true), ec);
  // SNI and the name the certificate must carry.
  if (!SSL_set_tlsext_host_name(stream_->native_handle(), host_.c_str())) {
    co_return boost::system::error_code(static_cast<int>(::ERR_get_error()),
                                        asio::error::get_ssl_category());
  }
  stream_->set_verify_mode(asio::ssl::verify_peer);
  stream_->set_verify_callback(asio::ssl::host_name_verification(host_));
  co_await stream_->async_handshake(asio::ssl::stream_base::client,
                                    asio::redirect_error(asio::use_awaitable, ec));
  co_return ec;
}

asio::awaitable<HttpReply> HttpsConnection::exchange(http::verb verb, const std::string& target,
                                                     const std::string& body,
                                                     const char* content_type) {
  HttpReply out;
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, host_ + ":" + std::to_string(server_.port()));
  req.set(http::field::user_agent, "signet-bench");
  if (verb == http::verb::post) {
    req.set(http::field::content_type, content_type);
    req.body() = body;
  }
  req.keep_alive(true);
  req.prepare_payload();
  auto& tcp = beast::get_lowest_layer(*stream_);
  tcp.expires_after(kTimeout);
  co_await http::async_write(*stream_, req, asio::redirect_error(asio::use_awaitable, out.error));
  if (out.error) co_return out;

  http::response_parser<http::string_body> parser;
  parser.body_limit(kBodyLimit);
  if (verb == http::verb::head) parser.skip(true);
  tcp.expires_after(kTimeout);
  co_await http::async_read(*stream_, buffer_, parser,
                            asio::redirect_error(asio::use_awaitable, out.error));
  if (out.error) co_return out;
  auto res = parser.release();
  out.status = res.result_int();
  if (auto it = res.find("Replay-Nonce"); it != res.end()) out.nonce = std::string(it->value());
  out.location = header(res, http::field::location);
  out.retry_after = header(res, http::field::retry_after);
  out.content_type = header(res, http::field::content_type);
  out.body = std::move(res.body());
  if (!res.keep_alive()) stream_.reset();
  co_return out;
}

asio::awaitable<HttpReply> HttpsConnection::send(http::verb verb, const std::string& target,
                                                 const std::string& body,
                                                 const char* content_type) {
  for (int attempt = 0;; ++attempt) {
    const bool reused = stream_.has_value();
    if (!reused) {
      const auto ec = co_await connect();
      if (ec) {
        stream_.reset();
        HttpReply failed;
        failed.error = ec;
        co_return failed;
      }
    }
    HttpReply reply = co_await exchange(verb, target, body, content_type);
    if (!reply.error) co_return reply;
    stream_.reset();  // never reuse a connection after an error
    if (!reused || attempt > 0) co_return reply;
  }
}

}  // namespace signet::bench
