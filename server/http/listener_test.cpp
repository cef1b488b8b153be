#include "server/http/listener.hpp"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <atomic>
#include <thread>

namespace signet::server::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// The handler's contract (types.hpp): it runs on its connection's strand, even with
// several network threads, so that what it spawns there never runs alongside it (the
// front end's deadline relies on this).
TEST(Listener, AHandlerRunsOnItsConnectionsStrand) {
  asio::io_context io;
  std::atomic<int> on_strand{0}, answered{0};
  Handler handler = [&](const Request&) -> asio::awaitable<Response> {
    auto ex = co_await asio::this_coro::executor;
    const auto* strand = ex.target<asio::strand<asio::io_context::executor_type>>();
    if (strand != nullptr && strand->running_in_this_thread()) ++on_strand;
    ++answered;
    Response res{beast_http::status::ok, 11};
    res.body() = "ok";
    res.prepare_payload();
    co_return res;
  };
  ErrorResponder refuse = [](const core::Error&) {
    return Response{beast_http::status::bad_request, 11};
  };
  Listener listener(io, Limits{}, handler, refuse);
  ASSERT_TRUE(listener.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)));
  listener.start();
  auto work = asio::make_work_guard(io);
  std::thread a([&] { io.run(); });
  std::thread b([&] { io.run(); });

  asio::io_context client_io;
  for (int connection = 0; connection < 2; ++connection) {
    tcp::socket s(client_io);
    s.connect(listener.local_endpoint());
    for (int i = 0; i < 3; ++i) {
      beast_http::request<beast_http::empty_body> req{beast_http::verb::get, "/", 11};
      req.set(beast_http::field::host, "localhost");
      beast_http::write(s, req);
      boost::beast::flat_buffer buf;
      beast_http::response<beast_http::string_body> res;
      beast_http::read(s, buf, res);
      EXPECT_EQ(res.result(), beast_http::status::ok);
    }
  }
  listener.stop();
  work.reset();
  io.stop();
  a.join();
  b.join();
  EXPECT_EQ(answered, 6);
  EXPECT_EQ(on_strand, 6);
}

}  // namespace
}  // namespace signet::server::http
