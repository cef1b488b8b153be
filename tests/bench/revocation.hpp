#pragma once
// The revocation phase of a run (--revoke N): after the timed phase, the clients revoke
// N of the certificates they downloaded, through ACME; then the benchmark reads every
// CRL shard until they list all N, and asks the OCSP responder about every certificate
// twice (the first answer of each is signed on request, the second comes from the
// responder's cache). Over HTTPS with kept-alive connections, as the figures measure
// the server, not TLS set-up. Nothing here judges the figures.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <functional>
#include <future>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "tests/bench/acme_client.hpp"

namespace signet::bench {

struct OcspPass {
  long answers = 0;
  long good = 0, revoked = 0, other = 0;  // what the answers said
  long wrong = 0;                         // good for a revoked certificate, or the reverse
  double seconds = 0;
  double p50_ms = 0, p99_ms = 0;
  double server_cpu_seconds = 0;
};

struct RevocationFigures {
  long certificates = 0;
  long revoked = 0;
  long revoke_failures = 0;
  std::string first_failure;
  double revoke_seconds = 0;
  std::size_t shards = 0;
  long crl_entries = 0;
  double crl_visible_seconds = -1;  // from the last revocation until every CRL listed it
  double crl_fetch_ms = 0;          // one fetch of every shard, in sequence
  std::size_t crl_bytes = 0;
  OcspPass first, second;
  std::string ended;  // why the phase stopped early, if it did
};

struct RevocationSetup {
  boost::asio::io_context& io;
  boost::asio::ssl::context& tls;
  boost::asio::ip::tcp::endpoint server;
  std::string host;
  std::vector<AcmeClient*> clients;
  long revoke = 0;
  int connections = 16;  // concurrent OCSP clients
  // Waits for a future of the phase; false if the run must stop (interrupted, server
  // gone, deadline).
  std::function<bool(std::future<void>&)> wait;
  std::function<double()> server_cpu_seconds;
};

RevocationFigures run_revocation_phase(const RevocationSetup& s);
void print_revocation(std::ostream& out, const RevocationFigures& f);

}  // namespace signet::bench
