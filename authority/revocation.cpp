// Revocation (RFC 8555 §7.6): who may revoke, with which reasons.
#include <openssl/x509.h>

#include "authority/audit.hpp"
#include "authority/authority.hpp"
#include "core/openssl.hpp"
#include "policy/key_policy.hpp"

namespace signet::authority {

using core::ProblemType;

asio::awaitable<core::Status> Authority::revoke(const RevocationRequester& who,
                                                const RevocationRequest& p) {
  auto serial = ca::certificate_serial(p.certificate_der);
  if (!serial) co_return std::move(serial).error();
  auto cert = co_await certificate_by_serial(*serial);
  if (!cert || cert->der != p.certificate_der)
    co_return core::make_error(ProblemType::NotFound, "Certificate not found");
  const int reason = p.reason.value_or(0);
  if (auto st = check_reason(reason, kSubscriberReasons); !st) co_return std::move(st).error();
  // RFC 8555 §7.6: the issuing account, an account authorized for every name, or
  // the holder of the certificate's key.
  bool allowed = false;
  if (who.certificate_key) {
    // Compared in canonical form, whatever encoding the certificate carries.
    allowed = who.certificate_key->spki_sha256 == cert->key_spki_sha256;
    if (!allowed) {
      const auto* der = reinterpret_cast<const unsigned char*>(cert->der.data());
      core::ossl::X509Ptr x(d2i_X509(nullptr, &der, static_cast<long>(cert->der.size())));
      if (x) {
        auto h = policy::canonical_spki_sha256(X509_get0_pubkey(x.get()));
        allowed = h && *h == who.certificate_key->spki_sha256;
      }
    }
  } else if (who.account) {
    allowed = who.account->id == cert->account_id;
    if (!allowed) {
      allowed = true;
      const auto now = s_.clock.now();
      for (const auto& id : cert->identifiers) {
        const core::Identifier base{id.type, id.base_name()};
        auto valid = co_await s_.store.valid_authzs(who.account->id, base, id.is_wildcard(), now);
        if (!valid) co_return std::move(valid).error();
        if (valid->empty()) {
          allowed = false;
          break;
        }
      }
    }
  }
  if (!allowed) {
    co_return core::make_error(ProblemType::Unauthorized,
                               "The requester is not authorized to revoke this certificate");
  }
  if (cert->revoked_at)
    co_return core::make_error(ProblemType::AlreadyRevoked, "The certificate is already revoked");
  // Named before the co_await: g++ 12 mishandles temporaries of a conditional inside one.
  const std::string by =
      who.account ? audit::account(who.account->id) : std::string(audit::kCertificateKey);
  auto r = co_await revocations_.record(*serial, reason, by);
  if (!r) co_return std::move(r).error();
  if (!*r)
    co_return core::make_error(ProblemType::AlreadyRevoked, "The certificate is already revoked");
  if (s_.ocsp != nullptr) s_.ocsp->forget(*serial);
  metrics_.revoked(reason);
  co_return core::Status{};
}

Authority::Async<OcspAnswer> Authority::ocsp(std::string_view request_der) {
  if (s_.ocsp == nullptr)
    co_return core::make_error(ProblemType::NotFound, "This server runs no OCSP responder");
  co_return co_await s_.ocsp->answer(request_der);
}

core::Result<std::shared_ptr<const PublishedCrl>> Authority::current_crl(
    const std::string& issuer, const std::string& shard) const {
  auto not_found = [] { return core::make_error(ProblemType::NotFound, "No such CRL"); };
  if (s_.crls == nullptr || shard.empty() || shard.size() > 6) return not_found();
  const auto crl = s_.crls->current(issuer, std::stoul(shard));
  if (!crl) return not_found();
  return crl;
}

}  // namespace signet::authority
