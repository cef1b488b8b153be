#include "authority/ocsp.hpp"

#include <boost/asio/use_awaitable.hpp>

#include <openssl/objects.h>

#include <algorithm>

#include "authority/audit.hpp"
#include "ca/previous.hpp"
#include "core/log.hpp"
#include "core/periodic.hpp"

namespace signet::authority {

namespace {

using Status = ca::OcspCertStatus;

// Unknown answers are signed for a short time and reused for less: a serial of ours
// that is being issued right now is unknown only until it is stored.
constexpr core::Seconds kUnknownValidity{300};
constexpr core::Seconds kUnknownReuse{30};

bool supported_hash(int nid) {
  return nid == NID_sha1 || nid == NID_sha256 || nid == NID_sha384 || nid == NID_sha512;
}

std::shared_ptr<const OcspAnswer> failure(ca::OcspFailure f) {
  auto a = std::make_shared<OcspAnswer>();
  a->der = ca::ocsp_failure_response(f);
  return a;
}

}  // namespace

OcspService::OcspService(storage::Store& store, const ca::CertificateAuthority& ca,
                         core::WorkerPool& cpu, const core::Clock& clock, OcspConfig config)
    : store_(store), ca_(ca), cpu_(cpu), clock_(clock), config_(std::move(config)) {}

asio::awaitable<core::Status> OcspService::start() {
  co_return co_await take_responder();
}

asio::awaitable<core::Status> OcspService::take_responder() {
  auto responder = co_await cpu_.run([this] {
    return config_.signed_by == OcspSignedBy::Issuer ? ca_.issuer_ocsp_responder()
                                                     : ca_.ocsp_responder();
  });
  if (!responder) co_return std::move(responder).error();
  if (const auto& r = responder->newly_signed) {
    const auto c = r->record(clock_.now());
    auto recorded = co_await store_.record_infrastructure_certificate(
        c, audit::infrastructure_certificate_issued(c.issued_at, c, std::string(audit::kServer)));
    if (!recorded) co_return std::move(recorded).error();
    core::log_info("OCSP responder certificate issued: serial " + r->serial);
  }
  std::lock_guard lock(mu_);
  signer_ = responder->signer;
  signer_renew_at_ = responder->renew_at;
  co_return core::Status{};
}

OcspService::Signer OcspService::signer() const {
  std::lock_guard lock(mu_);
  return signer_;
}

OcspService::Responder OcspService::responder_for(const ca::OcspCertId& id) const {
  if (ca::names_issuer(id, ca_.acme_issuer().certificate()))
    return {signer(), ca_.acme_issuer().certificate()};
  for (const auto& p : ca_.previous_issuers()) {
    if (ca::names_issuer(id, p.issuer->certificate())) return {p.ocsp, p.issuer->certificate()};
  }
  return {};
}

std::size_t OcspService::cached() const {
  std::lock_guard lock(mu_);
  return cache_.size() + unknown_.size();
}

asio::awaitable<core::Result<std::shared_ptr<const OcspAnswer>>> OcspService::sign(
    ca::OcspSingleResponse r, Signer s) {
  using Out = core::Result<std::shared_ptr<const OcspAnswer>>;
  if (!s) co_return core::internal_error("the OCSP responder has not started");
  // An answer does not outlive its signer's certificate.
  r.next_update = std::min(r.next_update, s->not_after());
  co_return co_await cpu_.run([&r, &s, this]() -> Out {
    const auto now = clock_.now();
    r.this_update = now;
    auto der = ca::build_ocsp_response(*s, r, now);
    if (!der) return std::move(der).error();
    return std::make_shared<const OcspAnswer>(
        OcspAnswer{std::move(der).value(), true, r.this_update, r.next_update});
  });
}

asio::awaitable<core::Result<OcspService::Cached>> OcspService::sign_from_store(
    const ca::OcspCertId& id, const Responder& responder) {
  auto cert = co_await store_.certificate_by_serial(id.serial);
  if (!cert) co_return std::move(cert).error();
  const auto now = clock_.now();
  ca::OcspSingleResponse r;
  r.cert_id = id;
  Cached c;
  c.id = id;
  // Unknown: a serial never used, or used by another of our issuers than the one named.
  bool ours = false;
  if (*cert) {
    const std::string& der = (*cert)->der;
    ours = co_await cpu_.run([&der, &responder] { return ca::issued_by(der, responder.issuer); });
  }
  if (!ours) {
    r.status = Status::Unknown;
    r.next_update = now + kUnknownValidity;
  } else if ((*cert)->revoked_at) {
    r.status = Status::Revoked;
    r.revoked_at = std::min(*(*cert)->revoked_at, now);
    r.reason = (*cert)->revocation_reason.value_or(0);
    r.next_update = now + config_.validity;
  } else {
    r.status = Status::Good;
    r.next_update = now + config_.validity;
  }
  c.status = r.status;
  auto signed_answer = co_await sign(std::move(r), responder.signer);
  if (!signed_answer) co_return std::move(signed_answer).error();
  c.answer = std::move(signed_answer).value();
  c.asked = std::make_shared<std::atomic<bool>>(false);
  co_return c;
}

void OcspService::keep(const std::string& cert_id_der, Cached c, std::uint64_t epoch) {
  std::lock_guard lock(mu_);
  if (epoch != epoch_) return;  // a revocation came in between: ask the database again
  auto& map = c.status == Status::Unknown ? unknown_ : cache_;
  const std::size_t bound = c.status == Status::Unknown ? config_.max_unknown : config_.max_cached;
  // Full: one answer goes (whichever the table yields first); it is signed again when
  // asked for.
  if (map.size() >= bound && !map.contains(cert_id_der) && !map.empty()) map.erase(map.begin());
  map.insert_or_assign(cert_id_der, std::move(c));
}

asio::awaitable<OcspAnswer> OcspService::answer(std::string_view request_der) {
  auto request = ca::parse_ocsp_request(request_der);
  if (!request) co_return *failure(ca::OcspFailure::MalformedRequest);
  const ca::OcspCertId& id = request->cert_id;
  // Without a known hash there is no telling whose certificate it is.
  if (!supported_hash(id.hash_nid)) co_return *failure(ca::OcspFailure::Unauthorized);

  const auto now = clock_.now();
  std::uint64_t epoch = 0;
  {
    std::lock_guard lock(mu_);
    epoch = epoch_;
    if (auto it = cache_.find(id.der);
        it != cache_.end() && it->second.answer->next_update > now) {
      it->second.asked->store(true, std::memory_order_relaxed);
      co_return *it->second.answer;
    }
    if (auto it = unknown_.find(id.der);
        it != unknown_.end() && now - it->second.answer->this_update < kUnknownReuse) {
      co_return *it->second.answer;
    }
  }

  core::Result<Cached> fresh = core::internal_error("not signed");
  if (const auto responder = responder_for(id); responder.signer) {
    fresh = co_await sign_from_store(id, responder);
  } else {
    // Another CA's certificate (RFC 6960 §2.2: "unknown"), signed all the same.
    ca::OcspSingleResponse r;
    r.cert_id = id;
    r.status = Status::Unknown;
    r.next_update = now + kUnknownValidity;
    auto signed_answer = co_await sign(std::move(r), signer());
    if (signed_answer) {
      fresh = Cached{id, Status::Unknown, std::move(signed_answer).value(),
                     std::make_shared<std::atomic<bool>>(false)};
    } else {
      fresh = std::move(signed_answer).error();
    }
  }
  if (!fresh) {
    core::log_error("OCSP: answering for serial " + id.serial + ": " + fresh.error().detail);
    co_return *failure(ca::OcspFailure::InternalError);
  }
  auto answer = fresh->answer;
  keep(id.der, std::move(fresh).value(), epoch);
  co_return *answer;
}

void OcspService::forget(const std::string& serial) {
  std::lock_guard lock(mu_);
  ++epoch_;
  std::erase_if(cache_, [&](const auto& e) { return e.second.id.serial == serial; });
}

void OcspService::revoked(const std::vector<core::RevokedCertificate>& entries) {
  if (entries.empty()) return;
  std::unordered_map<std::string_view, bool> serials;
  for (const auto& e : entries) serials.emplace(e.serial, true);
  std::lock_guard lock(mu_);
  ++epoch_;
  std::erase_if(cache_, [&](const auto& e) {
    return e.second.status != Status::Revoked && serials.contains(e.second.id.serial);
  });
}

asio::awaitable<std::size_t> OcspService::refresh() {
  const auto now = clock_.now();
  bool renew = false;
  {
    std::lock_guard lock(mu_);
    renew = !signer_ || now >= signer_renew_at_;
  }
  if (renew) {
    if (auto st = co_await take_responder(); !st)
      core::log_error("OCSP responder certificate not renewed: " + st.error().detail);
  }

  // The answers past half their validity: signed again if asked for, else dropped.
  std::vector<ca::OcspCertId> due;
  std::uint64_t epoch = 0;
  {
    std::lock_guard lock(mu_);
    epoch = epoch_;
    std::erase_if(unknown_, [&](const auto& e) {
      return now - e.second.answer->this_update >= kUnknownReuse;
    });
    std::erase_if(cache_, [&](const auto& e) {
      const auto& a = *e.second.answer;
      if (now - a.this_update < (a.next_update - a.this_update) / 2) return false;
      if (!e.second.asked->load(std::memory_order_relaxed)) return true;
      due.push_back(e.second.id);
      return false;
    });
  }
  std::size_t signed_now = 0;
  for (const auto& id : due) {
    if (stopping_) break;
    const auto responder = responder_for(id);
    if (!responder.signer) continue;
    auto fresh = co_await sign_from_store(id, responder);
    if (!fresh) {
      core::log_error("OCSP: signing again for serial " + id.serial + ": " + fresh.error().detail);
      continue;
    }
    keep(id.der, std::move(fresh).value(), epoch);
    ++signed_now;
  }
  co_return signed_now;
}

asio::awaitable<void> OcspService::run() {
  return core::every(config_.refresh, stopping_, core::FirstRound::AfterInterval,
                     [this] { return refresh(); });
}

}  // namespace signet::authority
