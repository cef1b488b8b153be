#pragma once
// CRL publication (RFC 5280 §5): the ACME issuer's certificates are spread over a fixed
// number of shards, each with its own CRL at its own URL. A certificate's shard is fixed
// at issuance (from its serial) and recorded with it; its CRL distribution point names
// that shard's URL. The publisher keeps the current CRL of every shard in memory, signed
// on the CPU pool, and makes a new one when a certificate of the shard is revoked (by
// this server or by any process on the same database: it watches the revocation counts),
// and before the current one gets old. CRL numbers are the time of signing in
// milliseconds, never less than the previous number plus one, so they only grow across
// restarts. Thread-safe.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ca/certificate_authority.hpp"
#include "core/async.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "storage/store.hpp"

namespace signet::authority {

namespace asio = boost::asio;

struct CrlConfig {
  std::size_t shards = 16;
  core::Seconds validity = std::chrono::hours(24);           // nextUpdate - thisUpdate
  core::Seconds regenerate = std::chrono::minutes(60);       // at the latest
  std::chrono::milliseconds watch = std::chrono::seconds(2);  // how often revocations are looked for
  // "http://HOST:PORT": the CRL of shard N of the ACME issuer is at
  // base_url + "/crl/acme/N.crl".
  std::string base_url;
};

// A signed CRL as served.
struct PublishedCrl {
  std::string der;
  core::TimePoint this_update;
  core::TimePoint next_update;
  std::uint64_t number = 0;
};

class CrlPublisher {
 public:
  CrlPublisher(storage::Store& store, const ca::CertificateAuthority& ca, core::WorkerPool& cpu,
               const core::Clock& clock, CrlConfig config);

  // The issuer name in CRL URLs.
  static constexpr const char* kIssuer = "acme";

  // The shard of a certificate, from its serial (lower-case hex).
  std::size_t shard_of(const std::string& serial) const;
  // The URL of a shard's CRL.
  std::string url(std::size_t shard) const;
  std::size_t shards() const { return config_.shards; }

  // Signs every shard's CRL once: at start, before the listeners take requests.
  asio::awaitable<core::Status> publish_all();
  // The current CRL of a shard; nullptr for a shard there is not (or not yet).
  std::shared_ptr<const PublishedCrl> current(std::size_t shard) const;

  // Looks for revocations once and signs the CRLs of the shards they are in, and signs
  // any CRL older than `regenerate` (or nearer its nextUpdate than that) again.
  // Returns how many CRLs it signed.
  asio::awaitable<std::size_t> refresh();
  // Until stopped: refresh() every `watch`.
  asio::awaitable<void> run();
  // Called with a shard's revoked certificates when it has new ones (the OCSP responder
  // forgets its answers about them). Set before run().
  using RevocationListener = std::function<void(const std::vector<core::RevokedCertificate>&)>;
  void on_revocations(RevocationListener l) { listener_ = std::move(l); }
  void stop() { stopping_ = true; }

 private:
  // notify: the shard has new revocations, for the listener.
  asio::awaitable<core::Status> publish(std::size_t shard, bool notify = false);
  std::uint64_t next_number(core::TimePoint now);

  storage::Store& store_;
  const ca::CertificateAuthority& ca_;
  core::WorkerPool& cpu_;
  const core::Clock& clock_;
  CrlConfig config_;
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<const PublishedCrl>> current_;  // by shard
  std::uint64_t last_number_ = 0;
  std::map<int, std::int64_t> seen_revocations_;  // by shard, as last published
  std::atomic<bool> stopping_{false};
  RevocationListener listener_;
};

}  // namespace signet::authority
