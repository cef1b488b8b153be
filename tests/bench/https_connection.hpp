#pragma once
// One kept-alive HTTPS connection to the server, as one ACME client holds it.
// Not thread-safe: one coroutine uses it at a time.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/verb.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace signet::bench {

struct HttpReply {
  boost::system::error_code error;  // a transport failure; the fields below are empty then
  unsigned status = 0;
  std::string nonce;        // Replay-Nonce
  std::string location;     // Location
  std::string retry_after;  // Retry-After
  std::string content_type;
  std::string body;
};

class HttpsConnection {
 public:
  // Connects to server, checking its certificate for host against the trust in tls.
  HttpsConnection(boost::asio::any_io_executor ex, boost::asio::ssl::context& tls,
                  boost::asio::ip::tcp::endpoint server, std::string host);

  // One request (a POST body goes as content_type), connecting first if needed. A
  // request that fails on a reused connection is sent once more on a new one: the
  // server closes idle connections.
  boost::asio::awaitable<HttpReply> send(boost::beast::http::verb verb, const std::string& target,
                                         const std::string& body,
                                         const char* content_type = "application/jose+json");

  std::uint64_t connects() const { return connects_; }

 private:
  using Stream = boost::asio::ssl::stream<boost::beast::tcp_stream>;
  boost::asio::awaitable<boost::system::error_code> connect();
  boost::asio::awaitable<HttpReply> exchange(boost::beast::http::verb verb,
                                             const std::string& target, const std::string& body,
                                             const char* content_type);

  boost::asio::any_io_executor ex_;
  boost::asio::ssl::context& tls_;
  boost::asio::ip::tcp::endpoint server_;
  std::string host_;
  std::optional<Stream> stream_;
  boost::beast::flat_buffer buffer_;
  std::uint64_t connects_ = 0;
};

}  // namespace signet::bench
