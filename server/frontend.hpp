#pragma once
// The ACME front end: finds a request's route in the route table, checks its method,
// authenticates it as the route says, runs its handler under a deadline, and gives
// every response the headers RFC 8555 asks for (Replay-Nonce, Link rel="index",
// Cache-Control) in one place. Counts every response by route and status, and every
// problem by type. Thread-safe.
#include <utility>
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <memory>

#include "authority/authority.hpp"
#include "core/metrics.hpp"
#include "server/handlers/context.hpp"
#include "server/http/types.hpp"
#include "server/jose/key_cache.hpp"
#include "server/json/encode.hpp"
#include "server/nonce.hpp"
#include "server/testing.hpp"
#include "server/urls.hpp"

namespace signet::server {

class Frontend {
 public:
  // A request still unanswered after `deadline` gets a serverInternal problem with
  // Retry-After; its work finishes in the background. metrics: where requests and
  // problems are counted (none: a private registry). testing: the test mode, which
  // refuses nonces and injects problems as its knobs say (none: off).
  Frontend(authority::Authority& authority, Nonces& nonces, Urls urls,
           json::DirectoryMeta meta, std::chrono::milliseconds deadline = std::chrono::seconds(30),
           std::shared_ptr<core::metrics::Registry> metrics = nullptr,
           std::shared_ptr<TestMode> testing = nullptr);

  boost::asio::awaitable<http::Response> handle(const http::Request& req);
  // New directory meta, for requests from now on (configuration reload).
  void set_meta(json::DirectoryMeta meta);
  // For requests the HTTP layer refused before they were complete.
  http::Response error_response(const core::Error& e);

 private:
  struct Pending;  // a request under way and the wait for it, on the connection's strand
  // What the request log says about a request besides its status.
  struct Outcome {
    std::string account;  // the account that signed it, if one did
    std::string problem;  // the problem type sent, if one was
  };
  boost::asio::awaitable<std::pair<http::Response, Outcome>> await_with_deadline(
      std::shared_ptr<Pending> pending, std::shared_ptr<const http::Request> request);
  boost::asio::awaitable<void> work(std::shared_ptr<Pending> pending,
                                    std::shared_ptr<const http::Request> request);
  // Route, method, authentication, handler: the request path top to bottom.
  boost::asio::awaitable<http::Response> respond(const http::Request& req, Outcome& out);
  // The reply with the headers every response carries.
  http::Response finish(const http::Request& req, handlers::Reply reply);
  // A relying party's answer (CRL, OCSP): the reply's own headers only, no nonce.
  static http::Response finish_public(const http::Request& req, handlers::Reply reply);
  // The problem document of an error, counted by type; with the type's own HTTP status,
  // or `status` when it is not 0.
  handlers::Reply problem_reply(const core::Error& e, int status = 0);
  // Counts the request (metrics) and logs it, one line (at info).
  void record(const http::Request& req, const http::Response& res, const Outcome& out,
              std::chrono::steady_clock::time_point began);

  authority::Authority& authority_;
  Nonces& nonces_;
  jose::KeyCache keys_;
  Urls urls_;
  std::atomic<std::shared_ptr<const json::DirectoryMeta>> meta_;
  std::chrono::milliseconds deadline_;
  std::shared_ptr<core::metrics::Registry> metrics_;
  std::shared_ptr<TestMode> testing_;
  core::metrics::Family<core::metrics::Counter>& requests_;
  core::metrics::Family<core::metrics::Histogram>& latency_;
  core::metrics::Family<core::metrics::Counter>& problems_;
  const std::string request_id_prefix_;  // random per process: ids differ across nodes
  std::atomic<std::uint64_t> next_request_{0};
};

}  // namespace signet::server
