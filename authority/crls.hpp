#pragma once
// CRL publication (RFC 5280 §5): an ACME issuer's certificates are spread over a fixed
// number of shards, each with its own CRL at its own URL. A certificate's shard is fixed
// at issuance (from its serial) and recorded with it and its issuer; its CRL
// distribution point names that shard's URL, which names the issuer (ca::issuer_id):
// /crl/<issuer id>/<shard>.crl. Every issuer whose status is published has its CRLs:
// the current ACME issuer and the previous ones (ca/previous.hpp), each signing its own.
// Certificates recorded without their issuer (issued by versions before issuers were
// told apart) name /crl/acme/<shard>.crl: those CRLs list them, signed by the issuer of
// the last of them, when it is loaded.
//
// The publisher keeps the current CRL of every shard in memory, signed on the CPU pool,
// and makes a new one when a certificate of the shard is revoked (by this server or by
// any process on the same database: it watches the revocation counts), and before the
// current one gets old. CRL numbers are the time of signing in milliseconds, never less
// than the previous number plus one, so they only grow across restarts. Thread-safe once
// publish_all() has run.
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
  // "http://HOST:PORT": the CRL of shard N of the issuer with id I is at
  // base_url + "/crl/I/N.crl".
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

  // The name in CRL URLs for certificates recorded without their issuer.
  static constexpr const char* kUnattributed = "acme";

  // The shard of a certificate, from its serial (lower-case hex).
  std::size_t shard_of(const std::string& serial) const;
  // The URL of a shard's CRL of the current ACME issuer: what certificates issued now
  // name.
  std::string url(std::size_t shard) const;
  // The URL of a shard's CRL of an issuer, by its name in URLs (an issuer id, or
  // kUnattributed).
  std::string url(const std::string& issuer, std::size_t shard) const;
  std::size_t shards() const { return config_.shards; }
  // The names in URLs of the issuers whose CRLs are published, the current ACME issuer
  // first; complete once publish_all() has run.
  std::vector<std::string> issuers() const;

  // Signs every shard's CRL of every issuer once: at start, before the listeners take
  // requests.
  asio::awaitable<core::Status> publish_all();
  // The current CRL of a shard of the current ACME issuer, or of an issuer named as in
  // URLs; nullptr for a shard or issuer there is not (or not yet).
  std::shared_ptr<const PublishedCrl> current(std::size_t shard) const;
  std::shared_ptr<const PublishedCrl> current(const std::string& issuer, std::size_t shard) const;

  // Looks for revocations once and signs the CRLs of the shards they are in (of the
  // issuer they are of), and signs
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
  // The CRLs signed by one issuer.
  struct IssuerCrls {
    std::string name;    // in URLs: the issuer id, or kUnattributed
    std::string listed;  // the Certificate::issuer_id of the certificates listed
    const ca::Issuer* signer = nullptr;
    std::vector<std::shared_ptr<const PublishedCrl>> current{};  // by shard
  };

  // notify: the shard has new revocations, for the listener. set: an index of sets_.
  asio::awaitable<core::Status> publish(std::size_t set, std::size_t shard, bool notify = false);
  std::uint64_t next_number(core::TimePoint now);
  // The issuer of the certificates recorded without one (the last of them), if loaded.
  asio::awaitable<const ca::Issuer*> unattributed_signer();

  storage::Store& store_;
  const ca::CertificateAuthority& ca_;
  core::WorkerPool& cpu_;
  const core::Clock& clock_;
  CrlConfig config_;
  mutable std::mutex mu_;
  // The current ACME issuer's first, then the previous ones', then the unattributed
  // certificates' (added by publish_all()).
  std::vector<IssuerCrls> sets_;
  std::uint64_t last_number_ = 0;
  std::map<storage::CrlShard, std::int64_t> seen_revocations_;  // as last published
  std::atomic<bool> stopping_{false};
  RevocationListener listener_;
};

}  // namespace signet::authority
