#include "authority/crls.hpp"

#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

#include "ca/crl.hpp"
#include "ca/previous.hpp"
#include "core/log.hpp"
#include "core/periodic.hpp"

namespace signet::authority {

CrlPublisher::CrlPublisher(storage::Store& store, const ca::CertificateAuthority& ca,
                           core::WorkerPool& cpu, const core::Clock& clock, CrlConfig config)
    : store_(store), ca_(ca), cpu_(cpu), clock_(clock), config_(std::move(config)) {
  config_.shards = std::max<std::size_t>(config_.shards, 1);
  // Room for the unattributed certificates' CRLs: sets_ never moves once serving.
  sets_.reserve(ca_.previous_issuers().size() + 2);
  const std::string id = ca::issuer_id(ca_.acme_issuer().certificate());
  sets_.push_back({id, id, &ca_.acme_issuer(), {}});
  for (const auto& p : ca_.previous_issuers()) sets_.push_back({p.id, p.id, p.issuer.get(), {}});
  for (auto& s : sets_) s.current.resize(config_.shards);
}

std::size_t CrlPublisher::shard_of(const std::string& serial) const {
  // The last two hex digits: serials are random, so shards fill evenly.
  const std::string tail = serial.size() >= 2 ? serial.substr(serial.size() - 2) : serial;
  return std::stoul(tail.empty() ? "0" : tail, nullptr, 16) % config_.shards;
}

std::string CrlPublisher::url(std::size_t shard) const {
  return url(sets_.front().name, shard);
}

std::string CrlPublisher::url(const std::string& issuer, std::size_t shard) const {
  return config_.base_url + "/crl/" + issuer + "/" + std::to_string(shard) + ".crl";
}

std::vector<std::string> CrlPublisher::issuers() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& s : sets_) out.push_back(s.name);
  return out;
}

std::shared_ptr<const PublishedCrl> CrlPublisher::current(std::size_t shard) const {
  return current(sets_.front().name, shard);
}

std::shared_ptr<const PublishedCrl> CrlPublisher::current(const std::string& issuer,
                                                          std::size_t shard) const {
  std::lock_guard lock(mu_);
  for (const auto& s : sets_) {
    if (s.name == issuer) return shard < s.current.size() ? s.current[shard] : nullptr;
  }
  return nullptr;
}

std::uint64_t CrlPublisher::next_number(core::TimePoint now) {
  std::lock_guard lock(mu_);
  const auto ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  last_number_ = std::max(last_number_ + 1, ms);
  return last_number_;
}

asio::awaitable<core::Status> CrlPublisher::publish(std::size_t set, std::size_t shard,
                                                    bool notify) {
  const auto now = clock_.now();
  std::string listed, name;
  const ca::Issuer* signer = nullptr;
  {
    std::lock_guard lock(mu_);
    listed = sets_[set].listed;
    name = sets_[set].name;
    signer = sets_[set].signer;
  }
  auto revoked = co_await store_.revoked_in_shard(listed, static_cast<int>(shard), now);
  if (!revoked) co_return std::move(revoked).error();
  ca::CrlRequest req;
  req.distribution_point = url(name, shard);
  req.number = next_number(now);
  req.this_update = now;
  req.next_update = now + config_.validity;
  for (const auto& r : *revoked) {
    // A revocation recorded a moment "after" now (clocks of two processes) is dated now.
    req.entries.push_back({r.serial, std::min(r.revoked_at, now), r.reason});
  }
  if (notify && listener_) listener_(*revoked);
  auto der = co_await cpu_.run([&] { return ca::build_crl(*signer, req); });
  if (!der) co_return std::move(der).error();
  auto published = std::make_shared<const PublishedCrl>(
      PublishedCrl{std::move(der).value(), req.this_update, req.next_update, req.number});
  std::lock_guard lock(mu_);
  sets_[set].current[shard] = std::move(published);
  co_return core::Status{};
}

asio::awaitable<const ca::Issuer*> CrlPublisher::unattributed_signer() {
  auto der = co_await store_.last_certificate_without_issuer();
  if (!der) {
    core::log_error("CRLs: reading certificates: " + der.error().detail);
    co_return nullptr;
  }
  if (!*der) co_return nullptr;  // none: no such CRLs to serve
  if (ca::issued_by(**der, ca_.acme_issuer().certificate())) co_return &ca_.acme_issuer();
  for (const auto& p : ca_.previous_issuers()) {
    if (ca::issued_by(**der, p.issuer->certificate())) co_return p.issuer.get();
  }
  core::log_warn(config_.base_url + "/crl/" + kUnattributed +
                 "/<shard>.crl is not served: the issuer of the certificates that name it "
                 "is neither the ACME issuer nor a previous one still loaded");
  co_return nullptr;
}

asio::awaitable<core::Status> CrlPublisher::publish_all() {
  auto counts = co_await store_.revocations_by_shard();
  if (!counts) co_return std::move(counts).error();
  seen_revocations_ = std::move(counts).value();
  if (const ca::Issuer* signer = co_await unattributed_signer()) {
    std::lock_guard lock(mu_);
    if (sets_.back().name != kUnattributed) {
      sets_.push_back({kUnattributed, "", signer, {}});
      sets_.back().current.resize(config_.shards);
    }
  }
  for (std::size_t set = 0; set < sets_.size(); ++set) {
    for (std::size_t shard = 0; shard < config_.shards; ++shard) {
      if (auto st = co_await publish(set, shard); !st) co_return st;
    }
  }
  co_return core::Status{};
}

asio::awaitable<void> CrlPublisher::run() {
  return core::every(config_.watch, stopping_, core::FirstRound::AfterInterval,
                     [this] { return refresh(); });
}

asio::awaitable<std::size_t> CrlPublisher::refresh() {
  std::size_t signed_now = 0;
  auto counts = co_await store_.revocations_by_shard();
  if (!counts) {
    core::log_error("CRLs: reading revocations: " + counts.error().detail);
    co_return signed_now;
  }
  const auto now = clock_.now();
  for (std::size_t set = 0; set < sets_.size(); ++set) {
    const std::string name = sets_[set].name;
    for (std::size_t shard = 0; shard < config_.shards; ++shard) {
      const storage::CrlShard key{sets_[set].listed, static_cast<int>(shard)};
      const auto it = counts->find(key);
      const std::int64_t revoked = it == counts->end() ? 0 : it->second;
      const auto seen = seen_revocations_.find(key);
      const bool changed = revoked != (seen == seen_revocations_.end() ? 0 : seen->second);
      const auto crl = current(name, shard);
      const bool stale = !crl || now - crl->this_update >= config_.regenerate ||
                         crl->next_update - now <= config_.regenerate;
      if (!changed && !stale) continue;
      if (auto st = co_await publish(set, shard, changed); !st) {
        core::log_error("CRL " + url(name, shard) +
                        " not signed; the previous one stays: " + st.error().detail);
        continue;
      }
      seen_revocations_[key] = revoked;
      ++signed_now;
    }
  }
  co_return signed_now;
}

}  // namespace signet::authority
