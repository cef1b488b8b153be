// The HTTP request path: Beast's request parser with the listener's limits
// (server/http/listener.hpp), then the route matcher (server/routes.hpp) on the target.
//
// The first byte is the size of the reads (1 to 256 bytes) the bytes arrive in; the rest is
// what a client sends on one connection, any number of requests in a row. Each request is
// parsed as the listener parses it: the header, then the body, from a buffer that keeps
// what the previous request left over. A target that names a route without a query is the
// path route_path builds for the identifiers it carries.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>

#include <string>

#include "server/http/listener.hpp"
#include "server/routes.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

namespace beast_http = boost::beast::http;
using namespace signet;

void route(const server::http::Request& req) {
  const auto m = server::match_route(req.target);
  if (m.route == server::Route::NotFound) return;
  const auto& spec = server::route_spec(m.route);
  FUZZ_CHECK(spec.route == m.route);
  if (req.target.find('?') == std::string::npos) {
    FUZZ_CHECK(server::route_path(m.route, m.id, m.sub_id) == req.target);
    FUZZ_CHECK(m.page == 0);
  } else {
    FUZZ_CHECK(spec.paged);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const server::http::Limits limits;
  const std::size_t step = std::size_t{data[0]} + 1;
  std::string_view wire = fuzz::as_text(data + 1, size - 1);
  std::string buffer;  // received and not yet parsed

  auto receive = [&] {
    const auto n = std::min(step, wire.size());
    buffer.append(wire.substr(0, n));
    wire.remove_prefix(n);
    return n > 0;
  };

  for (int requests = 0; requests < 64; ++requests) {
    beast_http::request_parser<beast_http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    boost::system::error_code ec;
    // As Beast's read does: the end of the stream finishes a request begun, or ends the
    // connection between requests.
    auto closed = [&] {
      if (!parser.got_some()) return false;
      parser.put_eof(ec);
      return true;
    };
    while (!parser.is_done()) {
      if (buffer.empty() && !receive()) {
        if (!closed()) return 0;
        break;
      }
      const auto used = parser.put(boost::asio::buffer(buffer), ec);
      buffer.erase(0, used);
      if (ec == beast_http::error::need_more) {
        ec = {};
        // Beast 1.81 asserts that the read after a last chunk's "0\r\n" brings two bytes
        // or more (boostorg/beast#2861, fixed in 2024); a chunked body cut short there is
        // the same partial message at the end of the stream.
        const std::size_t want = buffer.size() + (parser.chunked() ? 2 : 1);
        while (buffer.size() < want && receive()) {
        }
        if (buffer.size() < want) {
          if (!closed()) return 0;
          break;
        }
        continue;
      }
      if (ec) break;
    }
    if (ec || !parser.is_done()) return 0;

    auto msg = parser.release();
    FUZZ_CHECK(msg.body().size() <= limits.max_body_bytes);
    server::http::Request req;
    req.method = msg.method();
    req.target = std::string(msg.target());
    if (auto it = msg.find(beast_http::field::content_type); it != msg.end()) {
      req.content_type = std::string(it->value());
    }
    req.body = std::move(msg.body());
    route(req);
    if (!msg.keep_alive()) return 0;
  }
  return 0;
}
