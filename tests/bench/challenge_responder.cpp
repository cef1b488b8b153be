// The http-01 responder (RFC 8555 §8.3). Each connection is a coroutine with a
// deadline before every read and write, like the server's own listener.
#include <fcntl.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "tests/bench/responders.hpp"

namespace signet::bench {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

void TokenStore::put(const std::string& token, std::string key_authorization) {
  std::lock_guard lock(mu_);
  map_[token] = std::move(key_authorization);
}

void TokenStore::erase(const std::string& token) {
  std::lock_guard lock(mu_);
  map_.erase(token);
}

std::string TokenStore::find(const std::string& token) const {
  std::lock_guard lock(mu_);
  auto it = map_.find(token);
  return it == map_.end() ? std::string() : it->second;
}

namespace {

constexpr std::string_view kPrefix = "/.well-known/acme-challenge/";

struct Counters {
  std::atomic<std::uint64_t>& requests;
  std::atomic<std::uint64_t>& misses;
};

asio::awaitable<void> connection(tcp::socket socket, const TokenStore& tokens, Counters counters) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    boost::system::error_code ec;
    http::request_parser<http::empty_body> parser;
    parser.header_limit(8192);
    stream.expires_after(std::chrono::seconds(10));
    co_await http::async_read(stream, buffer, parser,
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;  // end of stream, timeout or garbage: close
    const auto& req = parser.get();
    ++counters.requests;
    http::response<http::string_body> res{http::status::not_found, req.version()};
    const std::string_view target(req.target().data(), req.target().size());
    if (req.method() == http::verb::get && target.starts_with(kPrefix)) {
      std::string key_authorization = tokens.find(std::string(target.substr(kPrefix.size())));
      if (!key_authorization.empty()) {
        res.result(http::status::ok);
        res.body() = std::move(key_authorization);
      }
    }
    if (res.result() != http::status::ok) ++counters.misses;
    res.set(http::field::content_type, "text/plain");
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    stream.expires_after(std::chrono::seconds(10));
    co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !res.keep_alive()) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> accept(tcp::acceptor& acceptor, const TokenStore& tokens, Counters counters) {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket socket =
        co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) continue;
    asio::co_spawn(acceptor.get_executor(), connection(std::move(socket), tokens, counters),
                   asio::detached);
  }
}

}  // namespace

ChallengeResponder::ChallengeResponder(asio::any_io_executor ex, uint16_t port,
                                       const TokenStore& tokens)
    : acceptor_(ex, tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), port)), tokens_(tokens) {
  // The server is started after this socket exists; it must not inherit it.
  fcntl(acceptor_.native_handle(), F_SETFD, FD_CLOEXEC);
}

uint16_t ChallengeResponder::port() const {
  return acceptor_.local_endpoint().port();
}

void ChallengeResponder::start() {
  asio::co_spawn(acceptor_.get_executor(), accept(acceptor_, tokens_, Counters{requests_, misses_}),
                 asio::detached);
}

}  // namespace signet::bench
