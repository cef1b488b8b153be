#pragma once
// The HTTPS (or plain HTTP) listener: one coroutine per connection that owns its stream, a deadline
// before every handshake, read and write, header and body limits, and caps on
// connections, overall and per source address (see admission.hpp). Thread-safe; runs on
// the io_context it is given.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <chrono>
#include <memory>

#include "core/result.hpp"
#include "server/http/admission.hpp"
#include "server/http/types.hpp"

namespace signet::server::http {

struct Limits {
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_header_bytes = 8 * 1024;
  std::chrono::seconds handshake_timeout{10};  // the TLS handshake
  // The first byte of the first request after the handshake, and then, from the first
  // byte of each request, its whole head: one deadline, not renewed by each byte.
  std::chrono::seconds header_timeout{10};
  std::chrono::seconds read_timeout{10};  // one request's body, one write
  std::chrono::seconds idle_timeout{60};  // waiting for the next request on a kept-alive connection
  std::size_t max_connections = 1024;
  std::size_t max_connections_per_address = 64;  // 0: no per-address rule
};

class Listener {
 public:
  Listener(boost::asio::io_context& io, boost::asio::ssl::context& tls, Limits limits,
           Handler handler, ErrorResponder on_error);
  // Plain HTTP, for what relying parties fetch without TLS (CRLs, OCSP).
  Listener(boost::asio::io_context& io, Limits limits, Handler handler, ErrorResponder on_error);
  ~Listener();

  core::Status bind(const boost::asio::ip::tcp::endpoint& ep);
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  void start();
  // Stops accepting; connections finish the request in hand and close.
  void stop();
  std::size_t requests_in_flight() const;
  // Connections open now, and connections refused at accept so far for one reason
  // (for metrics).
  std::size_t open_connections() const;
  std::uint64_t refused(Admission why) const;

  struct State;  // shared with the connection coroutines

 private:
  Listener(boost::asio::io_context& io, boost::asio::ssl::context* tls, Limits limits,
           Handler handler, ErrorResponder on_error);
  std::shared_ptr<State> s_;
};

}  // namespace signet::server::http
