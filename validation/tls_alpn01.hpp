#pragma once
// tls-alpn-01 (RFC 8737, RFC 8738 §6 for IP identifiers): a TLS handshake offering
// only "acme-tls/1", whose certificate names exactly the identifier and carries a
// critical acmeIdentifier extension with SHA-256 of the key authorization.
#include <boost/asio/ssl/context.hpp>

#include <cstdint>
#include <memory>

#include "validation/address_policy.hpp"
#include "validation/checker.hpp"
#include "validation/resolver.hpp"

namespace signet::validation {

struct TlsAlpn01Config {
  uint16_t port = 443;
};

// Thread-safe: immutable configuration and shared services.
class TlsAlpn01Checker final : public Checker {
 public:
  TlsAlpn01Checker(TlsAlpn01Config config, std::shared_ptr<Resolver> resolver,
                   AddressPolicy policy);
  // Within `deadline`: resolving, connecting and the handshake.
  boost::asio::awaitable<ValidationOutcome> check(const ValidationRequest& req,
                                                  Deadline& deadline) override;

  // The SNI name for an identifier: the name itself, or for an IP address its
  // reverse-DNS name (RFC 8738 §6), e.g. "1.2.0.192.in-addr.arpa".
  static std::string sni_name(const core::Identifier& id);

 private:
  TlsAlpn01Config config_;
  std::shared_ptr<Resolver> resolver_;
  AddressPolicy policy_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
};

}  // namespace signet::validation
