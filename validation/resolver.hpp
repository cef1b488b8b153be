#pragma once
// DNS lookups for validation. The interface is what checkers use; CaresResolver is
// the real one (c-ares driven by Asio); tests may supply their own. Every lookup ends
// at once when the awaiting coroutine is cancelled (a validation's deadline passed).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "validation/caa.hpp"

namespace signet::validation {

namespace asio = boost::asio;

class Resolver {
 public:
  virtual ~Resolver() = default;
  // A and AAAA records of name (IPv6 first). An empty answer is a `dns` error.
  virtual asio::awaitable<core::Result<std::vector<asio::ip::address>>> lookup_ip(
      const std::string& name) = 0;
  // TXT records of name, each record's strings concatenated (RFC 8555 §8.4).
  virtual asio::awaitable<core::Result<std::vector<std::string>>> lookup_txt(
      const std::string& name) = 0;
  // The CAA RRset at exactly name (empty when there is none: NODATA or NXDOMAIN).
  virtual asio::awaitable<core::Result<std::vector<CaaRecord>>> lookup_caa(
      const std::string& name) = 0;
};

struct ResolverConfig {
  // "IP:PORT" or "[IPv6]:PORT"; empty: the system's resolvers (/etc/resolv.conf).
  std::vector<std::string> servers;
  std::chrono::milliseconds timeout_per_try{2000};
  int tries = 3;
};

// c-ares on an Asio executor: one watcher per socket c-ares opens, ares_process_fd
// on readiness and on the ares_timeout timer. Never blocks; thread-safe (all channel
// work runs on an internal strand). Truncated UDP answers are retried over TCP by
// c-ares itself. A cancelled lookup returns at once; c-ares ends the query by itself
// (its timeout and tries bound it) and the answer is dropped.
class CaresResolver final : public Resolver {
 public:
  static core::Result<std::shared_ptr<CaresResolver>> create(asio::any_io_executor ex,
                                                             const ResolverConfig& config);
  ~CaresResolver() override;

  asio::awaitable<core::Result<std::vector<asio::ip::address>>> lookup_ip(
      const std::string& name) override;
  asio::awaitable<core::Result<std::vector<std::string>>> lookup_txt(
      const std::string& name) override;
  asio::awaitable<core::Result<std::vector<CaaRecord>>> lookup_caa(
      const std::string& name) override;

  struct Impl;

 private:
  explicit CaresResolver(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace signet::validation
