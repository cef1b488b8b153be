#pragma once
// The request and response values that cross from the HTTP layer to the ACME layer.
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http.hpp>

#include <functional>
#include <string>

#include "core/error.hpp"

namespace signet::server::http {

namespace beast_http = boost::beast::http;

struct Request {
  beast_http::verb method = beast_http::verb::get;
  std::string target;
  std::string content_type;
  std::string body;
  std::string client_ip;  // the peer's address, as text
  bool secure = true;     // arrived over TLS (false: the plain HTTP listener)
};

using Response = beast_http::response<beast_http::string_body>;

// Answers a complete request. Runs on an I/O thread: it must only await, never block.
// The request outlives the returned awaitable (the caller holds it). Its executor is the
// connection's strand: what it spawns there never runs alongside it.
using Handler = std::function<boost::asio::awaitable<Response>(const Request&)>;
// Answers a request the HTTP layer refused before it was complete (too large, ...).
using ErrorResponder = std::function<Response(const core::Error&)>;

}  // namespace signet::server::http
