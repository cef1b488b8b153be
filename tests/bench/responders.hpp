#pragma once
// The two servers a validation reaches, run in the generator's process on loopback:
// a DNS server that sends every name to 127.0.0.1, and the http-01 responder.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace signet::bench {

// Answers every A query with 127.0.0.1 and every other query (AAAA, CAA, ...) with an
// empty NOERROR answer, so that CAA lookups find no record. UDP on 127.0.0.1, port
// chosen by the system unless given. Runs until its executor stops.
class DnsResponder {
 public:
  DnsResponder(boost::asio::any_io_executor ex, uint16_t port);
  uint16_t port() const;
  void start();
  std::uint64_t queries() const { return queries_.load(); }

 private:
  boost::asio::ip::udp::socket socket_;
  std::atomic<std::uint64_t> queries_{0};
};

// Key authorizations by token. Thread-safe.
class TokenStore {
 public:
  void put(const std::string& token, std::string key_authorization);
  void erase(const std::string& token);
  // The key authorization of token, or empty.
  std::string find(const std::string& token) const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::string> map_;
};

// HTTP/1.1 on 127.0.0.1 (port chosen by the system unless given): GET
// /.well-known/acme-challenge/<token> answers the token's key authorization (RFC 8555
// §8.3), anything else 404. Runs until its executor stops.
class ChallengeResponder {
 public:
  ChallengeResponder(boost::asio::any_io_executor ex, uint16_t port, const TokenStore& tokens);
  uint16_t port() const;
  void start();
  std::uint64_t requests() const { return requests_.load(); }
  std::uint64_t misses() const { return misses_.load(); }

 private:
  boost::asio::ip::tcp::acceptor acceptor_;
  const TokenStore& tokens_;
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> misses_{0};
};

}  // namespace signet::bench
