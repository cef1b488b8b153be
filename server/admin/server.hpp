#pragma once
// The admin listener of `signet serve`, apart from the ACME listeners: plain HTTP, or,
// with a client CA, HTTPS that requires a client certificate chaining to it. It serves
// the admin Router only. Thread-safe; runs on the io_context it is given.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <functional>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "server/admin/router.hpp"
#include "server/http/listener.hpp"

namespace signet::server::admin {

struct Options {
  boost::asio::ip::tcp::endpoint endpoint;  // port 0 picks one
  // A PEM bundle of the CAs client certificates must chain to; empty: plain HTTP.
  std::string client_ca_file;
  http::Limits limits;
};

class Server {
 public:
  // Binds the listener. With a client CA, `credentials` gives the TLS context the
  // server's certificate chain and key. A listener reachable beyond loopback without a
  // client CA is logged as a warning: metrics name the server's inner workings.
  static core::Result<std::unique_ptr<Server>> open(
      boost::asio::io_context& io, const Options& options,
      const std::function<void(boost::asio::ssl::context&)>& credentials, Router router);

  // "http://127.0.0.1:PORT/" or "https://...".
  std::string url() const;
  void start() { listener_->start(); }
  void stop() { listener_->stop(); }
  const http::Listener& listener() const { return *listener_; }

 private:
  Server() = default;
  std::unique_ptr<boost::asio::ssl::context> tls_;  // null: plain HTTP
  std::shared_ptr<const Router> router_;
  std::unique_ptr<http::Listener> listener_;
};

}  // namespace signet::server::admin
