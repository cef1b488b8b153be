#pragma once
// The OCSP responder (RFC 6960, in the RFC 5019 profile) for the ACME issuer's
// certificates and those of the previous ACME issuers still loaded (ca/previous.hpp).
// Answers about the ACME issuer's are signed by the delegated responder certificate the
// CA keeps (ca/ocsp_responder.hpp); about a previous issuer's, by that issuer itself
// (RFC 6960 §4.2.2.2). Signed on the CPU pool, and cached by CertID: a certificate's first
// request signs its answer; the answer is then served as it is and signed again ahead of
// its expiry while it is being asked for. A revocation replaces the cached answer at once
// (forget(), from this process's revocations, and revoked(), from the CRL publisher's
// watch of the database, for revocations by any process). The responder certificate is
// renewed once a third of its lifetime is left. Thread-safe.
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <unordered_map>
#include <vector>

#include "ca/certificate_authority.hpp"
#include "ca/ocsp.hpp"
#include "core/async.hpp"
#include "core/clock.hpp"
#include "core/records.hpp"
#include "core/result.hpp"
#include "storage/store.hpp"

namespace signet::authority {

namespace asio = boost::asio;

// Who signs the answers about the ACME issuer's certificates: the delegated responder
// (its key a file, ca/ocsp_responder.hpp) or the issuer itself, with its own key, in a
// token when it is there. Previous issuers always sign for themselves.
enum class OcspSignedBy { Responder, Issuer };

struct OcspConfig {
  core::Seconds validity = std::chrono::hours(24);  // nextUpdate - thisUpdate
  // How often cached answers are looked at: those past half their validity are signed
  // again if they were asked for since they were signed, dropped otherwise.
  std::chrono::milliseconds refresh = std::chrono::seconds(60);
  std::size_t max_cached = 200000;  // answers about our certificates
  std::size_t max_unknown = 4096;   // answers about certificates we did not issue
  std::string base_url;             // "http://HOST:PORT": the responder is base_url + "/ocsp"
  OcspSignedBy signed_by = OcspSignedBy::Responder;
};

// An OCSPResponse as served: DER, with the dates of a successful one for HTTP caching.
struct OcspAnswer {
  std::string der;
  bool successful = false;
  core::TimePoint this_update{};
  core::TimePoint next_update{};
};

class OcspService {
 public:
  OcspService(storage::Store& store, const ca::CertificateAuthority& ca, core::WorkerPool& cpu,
              const core::Clock& clock, OcspConfig config);

  // The responder's URL, for certificates' authority information access.
  std::string url() const { return config_.base_url + "/ocsp"; }

  // Takes the CA's responder certificate (renewing it when due, and recording a new one
  // as Signet records every certificate it signs). Before the listeners take requests.
  asio::awaitable<core::Status> start();

  // The answer to a DER OCSPRequest: `malformedRequest` for one that is not one (or asks
  // about several certificates), `unauthorized` for a CertID hashed with an algorithm
  // other than SHA-1 or SHA-2, `unknown` for certificates of other issuers and serials
  // the issuer named never used, else good or revoked (with time and reason).
  asio::awaitable<OcspAnswer> answer(std::string_view request_der);

  // This process revoked a certificate: its cached answers go at once.
  void forget(const std::string& serial);
  // Revocations found in the database (by whichever process): cached answers that do
  // not say revoked go.
  void revoked(const std::vector<core::RevokedCertificate>& entries);

  // Signs again cached answers past half their validity that were asked for since they
  // were signed, drops the others, and renews the responder certificate when due.
  // Returns how many answers it signed.
  asio::awaitable<std::size_t> refresh();
  // Until stopped: refresh() every `refresh`.
  asio::awaitable<void> run();
  void stop() { stopping_ = true; }

  std::size_t cached() const;

 private:
  struct Cached {
    ca::OcspCertId id;
    ca::OcspCertStatus status = ca::OcspCertStatus::Good;
    std::shared_ptr<const OcspAnswer> answer;
    std::shared_ptr<std::atomic<bool>> asked;  // since `answer` was signed
  };
  using Signer = std::shared_ptr<const ca::OcspSigner>;
  // Who answers for the certificates of one issuer of ours.
  struct Responder {
    Signer signer;
    X509* issuer = nullptr;
  };

  asio::awaitable<core::Status> take_responder();
  Signer signer() const;
  // The responder for the issuer a CertID names; a null signer for issuers not ours.
  Responder responder_for(const ca::OcspCertId& id) const;
  // What the database says about a CertID of one of our issuers, signed.
  asio::awaitable<core::Result<Cached>> sign_from_store(const ca::OcspCertId& id,
                                                        const Responder& responder);
  asio::awaitable<core::Result<std::shared_ptr<const OcspAnswer>>> sign(ca::OcspSingleResponse r,
                                                                        Signer s);
  // Stores an answer unless a revocation came between reading and storing it.
  void keep(const std::string& cert_id_der, Cached c, std::uint64_t epoch);

  storage::Store& store_;
  const ca::CertificateAuthority& ca_;
  core::WorkerPool& cpu_;
  const core::Clock& clock_;
  OcspConfig config_;
  mutable std::mutex mu_;
  Signer signer_;
  core::TimePoint signer_renew_at_{};
  std::unordered_map<std::string, Cached> cache_;    // by CertID DER
  std::unordered_map<std::string, Cached> unknown_;  // by CertID DER
  std::uint64_t epoch_ = 0;                          // counts forget() and revoked()
  std::atomic<bool> stopping_{false};
};

}  // namespace signet::authority
