#include "server/http/listener.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>

#include <array>
#include <optional>

#include "core/log.hpp"
#include "server/http/admission.hpp"

namespace signet::server::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

struct Listener::State {
  asio::io_context& io;
  asio::ssl::context* tls;  // null: plain HTTP
  Limits limits;
  Handler handler;
  ErrorResponder on_error;
  tcp::acceptor acceptor;
  ConnectionTable connections;  // open connections, per source address
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> in_flight{0};  // requests being handled
  // Connections refused at accept, by Admission (Admitted stays 0).
  std::array<std::atomic<std::uint64_t>, 4> refused{};
};

namespace {

// Counts one thing for as long as it lives.
struct Counter {
  std::atomic<std::size_t>& c;
  explicit Counter(std::atomic<std::size_t>& counter) : c(counter) { ++c; }
  ~Counter() { --c; }
};

// An admitted connection, counted in the table for as long as it lives. A parameter of
// the connection's coroutine, so that it is released even if the coroutine never runs.
class Slot {
 public:
  Slot(std::shared_ptr<Listener::State> s, asio::ip::address from)
      : s_(std::move(s)), from_(std::move(from)) {}
  Slot(Slot&& o) noexcept : s_(std::move(o.s_)), from_(o.from_) {}
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;
  Slot& operator=(Slot&&) = delete;
  ~Slot() {
    if (s_) s_->connections.release(from_);
  }
  const asio::ip::address& from() const { return from_; }

 private:
  std::shared_ptr<Listener::State> s_;
  asio::ip::address from_;
};

using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using PlainStream = beast::tcp_stream;

// How much the wait for a request's first byte reads at most; the rest of the request
// follows through the parser.
constexpr std::size_t kFirstRead = 4096;

// Answers a request refused before it was read whole, then reads and discards a
// bounded amount of what the client is still sending: closing with unread data
// would reset the connection and the client could lose the answer.
template <class Stream>
asio::awaitable<void> write_and_close(Stream& stream, Response& res, std::chrono::seconds timeout) {
  res.keep_alive(false);
  res.prepare_payload();
  boost::system::error_code ec;
  beast::get_lowest_layer(stream).expires_after(timeout);
  co_await beast::http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;
  constexpr std::size_t kMaxDrain = 1 << 20;
  std::array<char, 16384> scratch;
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
  for (std::size_t drained = 0; drained < kMaxDrain && !ec;) {
    drained += co_await stream.async_read_some(asio::buffer(scratch),
                                               asio::redirect_error(asio::use_awaitable, ec));
  }
}

// The problem for a request the HTTP layer refuses, if ec is such a refusal.
std::optional<core::Error> refusal_for(const boost::system::error_code& ec, const Limits& limits) {
  if (ec == beast::http::error::header_limit) {
    return core::make_error(core::ProblemType::Malformed, "Request header too large");
  }
  if (ec == beast::http::error::body_limit) {
    return core::make_error(
        core::ProblemType::PayloadTooLarge,
        "Request body larger than " + std::to_string(limits.max_body_bytes) + " bytes");
  }
  return std::nullopt;
}

// Reads requests and writes their responses until the connection ends: the same for
// HTTPS and plain HTTP.
template <class Stream>
asio::awaitable<void> serve_requests(std::shared_ptr<Listener::State> s, Stream& stream,
                                     const std::string& client_ip) {
  auto& tcp_layer = beast::get_lowest_layer(stream);
  boost::system::error_code ec;
  beast::flat_buffer buffer;
  for (bool first = true;; first = false) {
    beast::http::request_parser<beast::http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(s->limits.max_header_bytes));
    parser.body_limit(s->limits.max_body_bytes);

    // Until a request starts: after the handshake a client has the header deadline to
    // begin; between kept-alive requests it may idle for the idle timeout. (Bytes left
    // over from the previous request have started the next one already.)
    if (buffer.size() == 0) {
      tcp_layer.expires_after(first ? s->limits.header_timeout : s->limits.idle_timeout);
      const std::size_t n = co_await stream.async_read_some(
          buffer.prepare(kFirstRead), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;  // closed, or nothing in time
      buffer.commit(n);
    }
    // From its first byte, the whole head must arrive within one deadline: a client
    // that sends it a byte at a time is not given more time for each byte.
    tcp_layer.expires_after(s->limits.header_timeout);
    co_await beast::http::async_read_header(stream, buffer, parser,
                                            asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      tcp_layer.expires_after(s->limits.read_timeout);
      co_await beast::http::async_read(stream, buffer, parser,
                                       asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) {
      // A header over its limit, or a body over its limit (an announced Content-Length
      // is checked with the header, before any of the body is read; a chunked body as
      // it grows) is answered; anything else is a closed, timed-out or non-HTTP peer.
      if (auto refusal = refusal_for(ec, s->limits)) {
        Response res = s->on_error(*refusal);
        co_await write_and_close(stream, res, s->limits.read_timeout);
      }
      break;
    }
    Counter busy(s->in_flight);

    auto msg = parser.release();
    Request req;
    req.method = msg.method();
    req.target = std::string(msg.target());
    req.client_ip = client_ip;
    req.secure = s->tls != nullptr;
    if (auto it = msg.find(beast::http::field::content_type); it != msg.end()) {
      req.content_type = std::string(it->value());
    }
    req.body = std::move(msg.body());
    const bool keep_alive = msg.keep_alive() && !s->stopping;

    Response res = co_await s->handler(req);
    res.keep_alive(keep_alive);
    res.prepare_payload();
    tcp_layer.expires_after(s->limits.read_timeout);
    co_await beast::http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !keep_alive) break;
  }
}

asio::awaitable<void> serve(std::shared_ptr<Listener::State> s, tcp::socket socket, Slot slot) {
  const std::string client_ip = slot.from().to_string();
  boost::system::error_code ec;
  if (s->tls == nullptr) {
    PlainStream stream(std::move(socket));
    co_await serve_requests(s, stream, client_ip);
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    co_return;
  }
  TlsStream stream(std::move(socket), *s->tls);
  auto& tcp_layer = beast::get_lowest_layer(stream);
  tcp_layer.expires_after(s->limits.handshake_timeout);
  co_await stream.async_handshake(asio::ssl::stream_base::server,
                                  asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;
  co_await serve_requests(s, stream, client_ip);
  // Best-effort TLS close_notify; a peer that vanished is a normal end.
  tcp_layer.expires_after(std::chrono::seconds(2));
  co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
}

// Refused connections are logged at most once every 10 s, with how many there were, so
// that a flood of them does not flood the log too.
class RefusalLog {
 public:
  void refused(Admission why, const asio::ip::address& from) {
    ++count_;
    const auto now = std::chrono::steady_clock::now();
    if (logged_ && now - last_ < std::chrono::seconds(10)) return;
    core::log_warn("connection refused: " + std::string(describe(why)) + " (latest from " +
                   from.to_string() + "; " + std::to_string(count_) +
                   " refused since the previous report)");
    logged_ = true;
    last_ = now;
    count_ = 0;
  }

 private:
  bool logged_ = false;
  std::chrono::steady_clock::time_point last_;
  std::size_t count_ = 0;
};

asio::awaitable<void> accept_loop(std::shared_ptr<Listener::State> s) {
  AcceptBackoff backoff;
  RefusalLog refusals;
  asio::steady_timer pause(s->acceptor.get_executor());
  for (;;) {
    boost::system::error_code ec;
    auto strand = asio::make_strand(s->io);
    tcp::socket socket =
        co_await s->acceptor.async_accept(strand, asio::redirect_error(asio::use_awaitable, ec));
    if (s->stopping || ec == asio::error::operation_aborted) co_return;
    if (is_resource_exhaustion(ec)) {
      // Out of descriptors or memory: accepting again at once would fail again and spin.
      // The connection waits in the backlog until something is freed.
      if (!backoff.active()) {
        core::log_warn("accept: " + ec.message() +
                       "; accepting more slowly until it succeeds (max_connections is " +
                       std::to_string(s->limits.max_connections) + "; see the open-file limit)");
      }
      pause.expires_after(backoff.next());
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    if (ec) continue;  // e.g. the peer gave up before it was accepted: the next one
    if (backoff.reset()) core::log_info("accept: accepting connections again");
    const auto peer = socket.remote_endpoint(ec);
    if (ec) continue;  // gone already
    const Admission admission = s->connections.admit(peer.address());
    if (admission != Admission::Admitted) {
      // Refused at once, before any TLS work, rather than queued.
      s->refused[static_cast<std::size_t>(admission)].fetch_add(1, std::memory_order_relaxed);
      socket.close(ec);
      refusals.refused(admission, peer.address());
      continue;
    }
    Slot slot(s, peer.address());
    socket.set_option(tcp::no_delay(true), ec);
    asio::co_spawn(socket.get_executor(), serve(s, std::move(socket), std::move(slot)),
                   asio::detached);
  }
}

}  // namespace

Listener::Listener(asio::io_context& io, asio::ssl::context& tls, Limits limits, Handler handler,
                   ErrorResponder on_error)
    : Listener(io, &tls, limits, std::move(handler), std::move(on_error)) {}

Listener::Listener(asio::io_context& io, Limits limits, Handler handler, ErrorResponder on_error)
    : Listener(io, nullptr, limits, std::move(handler), std::move(on_error)) {}

Listener::Listener(asio::io_context& io, asio::ssl::context* tls, Limits limits, Handler handler,
                   ErrorResponder on_error)
    : s_(new State{io, tls, limits, std::move(handler), std::move(on_error), tcp::acceptor(io),
                   ConnectionTable({limits.max_connections, limits.max_connections_per_address})}) {
}

std::size_t Listener::requests_in_flight() const {
  return s_->in_flight;
}

std::size_t Listener::open_connections() const {
  return s_->connections.total();
}

std::uint64_t Listener::refused(Admission why) const {
  return s_->refused[static_cast<std::size_t>(why)].load(std::memory_order_relaxed);
}

Listener::~Listener() {
  stop();
}

core::Status Listener::bind(const tcp::endpoint& ep) {
  boost::system::error_code ec;
  s_->acceptor.open(ep.protocol(), ec);
  if (!ec) s_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s_->acceptor.bind(ep, ec);
  if (!ec) s_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return core::make_error(core::ProblemType::ServerInternal,
                            "cannot listen on " + ep.address().to_string() + ":" +
                                std::to_string(ep.port()) + ": " + ec.message());
  }
  return {};
}

tcp::endpoint Listener::local_endpoint() const {
  return s_->acceptor.local_endpoint();
}

void Listener::start() {
  asio::co_spawn(s_->acceptor.get_executor(), accept_loop(s_), asio::detached);
}

void Listener::stop() {
  if (s_->stopping.exchange(true)) return;
  asio::post(s_->acceptor.get_executor(), [s = s_] {
    boost::system::error_code ec;
    s->acceptor.close(ec);
  });
}

}  // namespace signet::server::http
