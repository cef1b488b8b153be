// A DNS server of one answer (RFC 1035 §4.1): enough for a validation to find its
// target on loopback and no CAA record.
#include <fcntl.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <array>

#include "tests/bench/responders.hpp"

namespace signet::bench {
namespace asio = boost::asio;
using asio::ip::udp;

namespace {

constexpr std::size_t kHeader = 12;
constexpr uint16_t kTypeA = 1;
constexpr uint16_t kClassIn = 1;

uint16_t read16(const unsigned char* p) {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}
void put16(std::string& out, unsigned v) {
  out += static_cast<char>((v >> 8) & 0xff);
  out += static_cast<char>(v & 0xff);
}

// The answer to one query, or empty to drop it (not a query, or not parseable).
std::string answer(const unsigned char* q, std::size_t n) {
  if (n < kHeader) return {};
  const uint16_t flags = read16(q + 2);
  if (flags & 0x8000) return {};  // a response, not a query
  std::size_t end = kHeader;
  if (read16(q + 4) == 1) {
    // QNAME: labels up to the root label; queries carry no compression pointers.
    while (end < n && q[end] != 0) {
      if ((q[end] & 0xc0) != 0) return {};
      end += 1 + q[end];
    }
    end += 1 + 4;  // root label, QTYPE, QCLASS
  }
  std::string out;
  put16(out, read16(q));  // ID
  if (end == kHeader || end > n) {
    // Not exactly one question: FORMERR (RFC 1035 §4.1.1), header only.
    put16(out, 0x8000 | (flags & 0x7900) | 0x0080 | 1);
    out.append(8, '\0');
    return out;
  }
  const uint16_t qtype = read16(q + end - 4);
  const uint16_t qclass = read16(q + end - 2);
  const bool a = qtype == kTypeA && qclass == kClassIn;
  // QR, the query's opcode and RD, AA, RA; RCODE 0 (NOERROR) whatever the type.
  put16(out, 0x8000 | (flags & 0x7900) | 0x0400 | 0x0080);
  put16(out, 1);          // QDCOUNT
  put16(out, a ? 1 : 0);  // ANCOUNT
  put16(out, 0);          // NSCOUNT
  put16(out, 0);          // ARCOUNT: no OPT, which an EDNS client accepts (RFC 6891 §7)
  out.append(reinterpret_cast<const char*>(q + kHeader), end - kHeader);
  if (a) {
    put16(out, 0xc00c);  // NAME: a pointer to the question's name
    put16(out, kTypeA);
    put16(out, kClassIn);
    put16(out, 0);
    put16(out, 60);  // TTL
    put16(out, 4);   // RDLENGTH
    out += std::string("\x7f\x00\x00\x01", 4);
  }
  return out;
}

asio::awaitable<void> serve(udp::socket& socket, std::atomic<std::uint64_t>& queries) {
  std::array<unsigned char, 4096> buf;
  udp::endpoint from;
  for (;;) {
    boost::system::error_code ec;
    const std::size_t n = co_await socket.async_receive_from(
        asio::buffer(buf), from, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !socket.is_open()) co_return;
    if (ec) continue;  // e.g. ICMP port unreachable reported on the socket
    const std::string reply = answer(buf.data(), n);
    if (reply.empty()) continue;
    ++queries;
    co_await socket.async_send_to(asio::buffer(reply), from,
                                  asio::redirect_error(asio::use_awaitable, ec));
  }
}

}  // namespace

DnsResponder::DnsResponder(asio::any_io_executor ex, uint16_t port)
    : socket_(ex, udp::endpoint(asio::ip::make_address_v4("127.0.0.1"), port)) {
  // The server is started after this socket exists; it must not inherit it.
  fcntl(socket_.native_handle(), F_SETFD, FD_CLOEXEC);
}

uint16_t DnsResponder::port() const {
  return socket_.local_endpoint().port();
}

void DnsResponder::start() {
  asio::co_spawn(socket_.get_executor(), serve(socket_, queries_), asio::detached);
}

}  // namespace signet::bench
