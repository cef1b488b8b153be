#pragma once
// What every ACME handler shares: the request, the services, the reply it builds,
// and request authentication (RFC 8555 §6.2-6.5).
#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "server/authority.hpp"
#include "server/http/types.hpp"
#include "server/jose/jws.hpp"
#include "server/json/encode.hpp"
#include "server/nonce.hpp"
#include "server/urls.hpp"

namespace signet::server::handlers {

namespace asio = boost::asio;

struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // Location, Link, Retry-After

  void header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
  void link(const std::string& url, const std::string& rel) {
    header("Link", "<" + url + ">;rel=\"" + rel + "\"");
  }
};

using HandlerResult = asio::awaitable<core::Result<Reply>>;

struct Context {
  Authority& authority;
  NonceService& nonces;
  const Urls& urls;
  const json::DirectoryMeta& meta;
  const http::Request& request;
  const RouteMatch& route;

  // The URL the client must have put in the JWS "url" header.
  std::string request_url() const { return urls.base() + request.target; }
};

enum class KeyMode { Kid, Jwk, Either };

struct SignedRequest {
  jose::Jws jws;
  std::optional<storage::Account> account;  // set when the JWS used "kid"
};

// Content type, JWS structure, url, nonce, then key and signature: the checks every
// POST passes before its handler sees the payload.
asio::awaitable<core::Result<SignedRequest>> authenticate(const Context& ctx, KeyMode mode);

// POST-as-GET (RFC 8555 §6.3): the payload must be the empty string.
core::Status require_post_as_get(const SignedRequest& r);

}  // namespace signet::server::handlers
