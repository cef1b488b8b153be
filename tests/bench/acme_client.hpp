#pragma once
// One ACME client of the benchmark: its own account key and account, one kept-alive
// connection to each node (each request goes to one chosen at random), and complete
// orders one after another. Its certificates share one key of
// their own (never the account key), so that the generator spends little CPU. Each client is driven
// by one coroutine at a time.
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <future>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tests/bench/https_connection.hpp"
#include "tests/bench/jose.hpp"
#include "tests/bench/recorder.hpp"
#include "tests/bench/responders.hpp"

namespace signet::bench {

struct Directory {
  std::string base;  // scheme://host:port, which every URL of the server starts with
  std::string new_nonce;
  std::string new_account;
  std::string new_order;
  std::string revoke_cert;
};

// What every client reads and never changes during a run (except the token store,
// which is thread-safe).
struct ClientSetup {
  const Directory& directory;
  TokenStore& tokens;
  int names = 1;
  std::chrono::milliseconds poll_interval{20};
  bool ignore_retry_after = false;
};

// A range of orders shared by all clients: each takes the next index until none is
// left or stop is set. The last client to leave sets done.
struct Phase {
  Phase(long first, long count, int clients, Recorder& rec, const std::atomic<bool>& stop_flag)
      : next(first), end(first + count), running(clients), recorder(rec), stop(stop_flag) {}

  std::atomic<long> next;
  const long end;
  std::atomic<int> running;
  Recorder& recorder;
  const std::atomic<bool>& stop;
  std::promise<void> done;
};

class AcmeClient {
 public:
  AcmeClient(boost::asio::any_io_executor ex, boost::asio::ssl::context& tls,
             const std::vector<boost::asio::ip::tcp::endpoint>& nodes, const std::string& host,
             const ClientSetup& setup, unsigned seed);

  // newAccount (RFC 8555 §7.3). On failure, problem says why.
  boost::asio::awaitable<bool> register_account(Recorder& recorder, std::string& problem);
  // Orders from phase, the first after start_delay, until the phase is exhausted or
  // stopped; then leaves the phase.
  boost::asio::awaitable<void> run(Phase& phase, std::chrono::milliseconds start_delay);

  std::uint64_t connects() const;

  // The PEM chains of the certificates this client downloaded, in order.
  const std::vector<std::string>& certificates() const { return certificates_; }
  // revokeCert (RFC 8555 §7.6) for one of them, by this client's account. On failure,
  // problem says why.
  boost::asio::awaitable<bool> revoke(const std::string& certificate_der, int reason,
                                      Recorder& recorder, std::string& problem);

 private:
  // A JWS POST with the nonce of the last reply (a new one if there is none); retried
  // once after badNonce and, after waiting, a few times after rateLimited.
  boost::asio::awaitable<HttpReply> post(const std::string& url, const std::string& payload,
                                         Recorder& recorder);
  // post(), and the order fails unless the reply has status `want`.
  boost::asio::awaitable<HttpReply> post_checked(const char* step, const std::string& url,
                                                 const std::string& payload, unsigned want,
                                                 Recorder& recorder);
  boost::asio::awaitable<void> order(long index, Recorder& recorder);
  boost::asio::awaitable<void> wait(std::chrono::milliseconds d);
  std::chrono::milliseconds poll_delay(const HttpReply& r) const;

  boost::asio::any_io_executor ex_;
  // The connection to the node the next request goes to.
  HttpsConnection& conn();

  std::vector<std::unique_ptr<HttpsConnection>> conns_;  // one per node
  std::minstd_rand pick_;
  const ClientSetup& setup_;
  EcKey account_key_;
  EcKey certificate_key_;
  std::string kid_;
  std::string nonce_;
  std::vector<std::string> certificates_;
};

}  // namespace signet::bench
