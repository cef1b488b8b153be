#pragma once
// The ACME front end: routes a request to its handler and gives every response the
// headers RFC 8555 asks for (Replay-Nonce, Link rel="index", Cache-Control) in one
// place. Thread-safe.
#include <boost/asio/awaitable.hpp>

#include "server/authority.hpp"
#include "server/http/types.hpp"
#include "server/json/encode.hpp"
#include "server/nonce.hpp"
#include "server/urls.hpp"

namespace signet::server {

class Frontend {
 public:
  Frontend(Authority& authority, NonceService& nonces, Urls urls, json::DirectoryMeta meta);

  boost::asio::awaitable<http::Response> handle(const http::Request& req);
  // For requests the HTTP layer refused before they were complete.
  http::Response error_response(const core::Error& e);

 private:
  Authority& authority_;
  NonceService& nonces_;
  Urls urls_;
  json::DirectoryMeta meta_;
};

}  // namespace signet::server
