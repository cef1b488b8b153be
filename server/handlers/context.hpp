#pragma once
// What every ACME handler shares: the request, the services, the reply it builds,
// and request authentication (RFC 8555 §6.2-6.5).
#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "authority/authority.hpp"
#include "core/result.hpp"
#include "server/http/types.hpp"
#include "server/jose/jws.hpp"
#include "server/jose/key_cache.hpp"
#include "server/json/encode.hpp"
#include "server/nonce.hpp"
#include "server/urls.hpp"

namespace signet::server {
class TestMode;
}

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

struct SignedRequest {
  jose::Jws jws;
  std::optional<core::Account> account;  // set when the JWS used "kid"
};

struct Context {
  authority::Authority& authority;
  Nonces& nonces;
  jose::KeyCache& keys;
  const Urls& urls;
  const json::DirectoryMeta& meta;
  const http::Request& request;
  const RouteMatch& route;
  // The authenticated request, for routes that take a JWS (set before the handler).
  SignedRequest* signed_request = nullptr;
  // The test mode (server/testing.hpp), which may refuse valid nonces; null: off.
  TestMode* testing = nullptr;

  // The URL the client must have put in the JWS "url" header.
  std::string request_url() const { return urls.base() + request.target; }
};

// How a route's requests are authenticated (RFC 8555 §6.2); the route table says which.
enum class Auth {
  None,      // GET resources: directory, newNonce, issuer
  Kid,       // JWS signed by an existing account
  Jwk,       // JWS carrying its own key (newAccount)
  KidOrJwk,  // revokeCert: an account, or the certificate's key
};

// Content type, JWS structure, url, nonce, then key and signature: the checks every
// POST passes before its handler sees the payload. `auth` is Kid, Jwk or KidOrJwk.
asio::awaitable<core::Result<SignedRequest>> authenticate(const Context& ctx, Auth auth);

// POST-as-GET (RFC 8555 §6.3): the payload must be the empty string.
core::Status require_post_as_get(const SignedRequest& r);

}  // namespace signet::server::handlers
